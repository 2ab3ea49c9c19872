import { runToExit } from '../helpers/child.js'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { receivedEvents, serverPerTest } from '../helpers/client.js'

// The README's shutdown budgets: `shutdown(0)` drops at once, `shutdown(Infinity)` waits as long
// as the flush takes, `shutdown(NaN)` uses `shutdownTimeoutMs`; and no exit warning after a
// shutdown that delivered everything (the warning itself: reliability/exit-safety.test.ts).
const { server, client } = serverPerTest()

async function timed<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now()
  const value = await work
  return { value, ms: Date.now() - started }
}

describe('shutdown(timeoutMs) budgets', () => {
  it('shutdown(0) drops what is queued at once, counted under shutdown, without waiting for the server', async () => {
    server.route('/batch/', { hang: true })
    const c = client({ flushAt: 1000, requestTimeout: 0, shutdownTimeoutMs: 20_000 })
    for (let i = 0; i < 3; i++) c.capture({ distinctId: 'u', event: `e${i}` })
    const { value, ms } = await timed(c.shutdown(0))
    expect(value).toEqual({ delivered: 0, undelivered: 3, timedOut: true })
    expect(ms).toBeLessThan(2000)
    expect(c.stats().dropped.shutdown).toBe(3)
  })

  it('shutdown(NaN) uses shutdownTimeoutMs: neither 0 nor unbounded', async () => {
    server.route('/batch/', { hang: true })
    const c = client({ flushAt: 1000, requestTimeout: 0, shutdownTimeoutMs: 400 })
    c.capture({ distinctId: 'u', event: 'e' })
    const { value, ms } = await timed(c.shutdown(Number.NaN))
    expect(value).toEqual({ delivered: 0, undelivered: 1, timedOut: true })
    expect(ms).toBeGreaterThanOrEqual(390)
    expect(ms).toBeLessThan(4000)
  })

  it('shutdown() without an argument uses shutdownTimeoutMs too', async () => {
    server.route('/batch/', { hang: true })
    const c = client({ flushAt: 1000, requestTimeout: 0, shutdownTimeoutMs: 300 })
    c.capture({ distinctId: 'u', event: 'e' })
    const { value, ms } = await timed(c.shutdown())
    expect(value).toMatchObject({ undelivered: 1, timedOut: true })
    expect(ms).toBeGreaterThanOrEqual(290)
  })

  it('shutdown(Infinity) waits for a slow flush far past shutdownTimeoutMs and delivers everything', async () => {
    server.route('/batch/', { delayMs: 1200, body: { status: 1 } })
    const c = client({ flushAt: 1000, requestTimeout: 0, shutdownTimeoutMs: 100 })
    for (let i = 0; i < 3; i++) c.capture({ distinctId: 'u', event: `slow-${i}` })
    const { value, ms } = await timed(c.shutdown(Number.POSITIVE_INFINITY))
    expect(value).toEqual({ delivered: 3, undelivered: 0, timedOut: false })
    expect(ms).toBeGreaterThanOrEqual(1100)
    expect(receivedEvents(server).map((e) => e.event)).toEqual(['slow-0', 'slow-1', 'slow-2'])
  })
})

describe('exit after shutdown() (child process using the built package)', () => {
  const fixture = fileURLToPath(new URL('../fixtures/exit-with-queued-events.mjs', import.meta.url))
  const dist = fileURLToPath(new URL('../../dist/index.js', import.meta.url))

  beforeAll(() => {
    if (!existsSync(dist)) throw new Error('Build the package first (npm run build): the exit tests run dist/index.js')
  })
  const run = (mode: string) => runToExit(fixture, [server.url, mode], `child (${mode})`)


  it('prints no such warning after a shutdown() that delivered everything', async () => {
    const { code, stderr } = await run('shutdown')
    expect(code).toBe(0)
    expect(stderr).not.toMatch(/not yet sent/)
    expect(receivedEvents(server)).toHaveLength(5)
  })
})
