import { runToExit } from '../helpers/child.js'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { PostHog } from '../../src/index.js'
import { createTestServer, type TestServer } from '../helpers/test-server.js'
import { clientFor, receivedEvents } from '../helpers/client.js'

let server: TestServer
beforeEach(async () => {
  server = await createTestServer()
})
afterEach(async () => {
  await server.close()
})

const quiet = { debug() {}, info() {}, warn() {}, error() {} }

describe('shutdown()', () => {
  it('delivers queued events and reports the result', async () => {
    const client = clientFor(server, { flushAt: 100 })
    for (let i = 0; i < 3; i++) client.capture({ distinctId: 'u', event: `e${i}` })
    const result = await client.shutdown(5000)
    expect(result).toEqual({ delivered: 3, undelivered: 0, timedOut: false })
    expect(receivedEvents(server)).toHaveLength(3)
  })

  it('registers the flushOnExit hook only when asked, once, and keeps it for a client used after shutdown', async () => {
    const before = process.listenerCount('beforeExit')
    const plain = clientFor(server)
    expect(process.listenerCount('beforeExit')).toBe(before)
    const client = clientFor(server, { flushOnExit: true })
    expect(process.listenerCount('beforeExit')).toBe(before + 1)
    const shutting = client.shutdown()
    expect(process.listenerCount('beforeExit')).toBe(before)
    await shutting
    expect(process.listenerCount('beforeExit')).toBe(before + 1)
    await plain.shutdown()
  })

  it('returns the same promise on every call', async () => {
    const client = clientFor(server)
    const first = client.shutdown()
    expect(client.shutdown()).toBe(first)
    await first
  })

  it('keeps working after shutdown: later events are delivered by the next flush or shutdown', async () => {
    const client = clientFor(server)
    await client.shutdown()
    client.capture({ distinctId: 'u', event: 'late' })
    client.identify({ distinctId: 'u', properties: {} })
    const second = await client.shutdown()
    expect(second).toEqual({ delivered: 2, undelivered: 0, timedOut: false })
    expect(receivedEvents(server).map((e) => e.event)).toEqual(['late', '$identify'])
    // Accepted, not refused: counted as captured and delivered like any other.
    const stats = client.stats()
    expect(stats).toMatchObject({ captured: 2, delivered: 2, refusedTotal: 0, queued: 0 })
    expect(stats.refused).toEqual({ invalid: 0, too_large: 0 })
  })

  it('is bounded by its timeout when the server is down (connection refused, retrying)', async () => {
    const down = await createTestServer()
    await down.close()
    const client = new PostHog('phc_test', { host: down.url, logger: quiet, flushInterval: 0, fetchRetryDelay: 200, fetchRetryCount: 100 })
    client.capture({ distinctId: 'u', event: 'e' })
    const started = Date.now()
    const result = await client.shutdown(500)
    const elapsed = Date.now() - started
    expect(elapsed).toBeGreaterThanOrEqual(450)
    expect(elapsed).toBeLessThan(3000)
    expect(result).toEqual({ delivered: 0, undelivered: 1, timedOut: true })
    expect(client.stats().dropped.shutdown).toBe(1)
  })

  it('after a shutdown that timed out, the client delivers again (the abort does not stick)', async () => {
    server.enqueue('/batch/', { hang: true })
    const client = clientFor(server, { requestTimeout: 0 })
    client.capture({ distinctId: 'u', event: 'lost' })
    expect(await client.shutdown(200)).toMatchObject({ timedOut: true, undelivered: 1 })
    client.capture({ distinctId: 'u', event: 'next invocation' })
    expect(await client.shutdown(3000)).toEqual({ delivered: 1, undelivered: 0, timedOut: false })
    expect(receivedEvents(server).map((e) => e.event)).toEqual(['lost', 'next invocation'])
  })

  it('is bounded by its timeout when the server black-holes requests', async () => {
    server.route('/batch/', { hang: true })
    const errors: Error[] = []
    const client = clientFor(server, { flushAt: 1, maxBatchSize: 1, requestTimeout: 60_000, onError: (e) => errors.push(e) })
    for (let i = 0; i < 4; i++) client.capture({ distinctId: 'u', event: `e${i}` })
    await server.waitForRequests('/batch/', 1)
    const started = Date.now()
    const result = await client.shutdown(400)
    expect(Date.now() - started).toBeLessThan(3000)
    expect(result).toEqual({ delivered: 0, undelivered: 4, timedOut: true })
    expect(errors.some((e) => /shutdown/.test(e.message))).toBe(true)
  })
})

describe('process exit (child process using the built package)', () => {
  const fixture = fileURLToPath(new URL('../fixtures/exit-with-queued-events.mjs', import.meta.url))
  const dist = fileURLToPath(new URL('../../dist/index.js', import.meta.url))

  beforeAll(() => {
    if (!existsSync(dist)) throw new Error('Build the package first (npm run build): the exit tests run dist/index.js')
  })
  const run = (mode: string, host: string) => runToExit(fixture, [host, mode], `child (${mode})`)


  it('exits by itself after shutdown(), having delivered the queued events', async () => {
    const { code, stdout } = await run('shutdown', server.url)
    expect(code).toBe(0)
    expect(JSON.parse(stdout).result).toEqual({ delivered: 5, undelivered: 0, timedOut: false })
    expect(receivedEvents(server).map((e) => e.event)).toEqual(['queued-0', 'queued-1', 'queued-2', 'queued-3', 'queued-4'])
  })

  it('exits by itself after a bounded shutdown() when the server black-holes requests', async () => {
    server.route('/batch/', { hang: true })
    const { code, stdout } = await run('shutdown-hang', server.url)
    expect(code).toBe(0)
    expect(JSON.parse(stdout).result).toMatchObject({ undelivered: 5, timedOut: true })
  })

  it('exits by itself without shutdown() (no timer keeps it alive); nothing is sent', async () => {
    const { code } = await run('none', server.url)
    expect(code).toBe(0)
    expect(server.requests).toHaveLength(0)
  })

  it('with flushOnExit, delivers queued events before exiting on its own', async () => {
    const { code } = await run('flush-on-exit', server.url)
    expect(code).toBe(0)
    expect(receivedEvents(server)).toHaveLength(5)
  })

  it('with flushOnExit and the server unreachable, still exits on its own (held events get one more try)', async () => {
    const down = await createTestServer()
    await down.close()
    const { code, ms } = await run('flush-on-exit', down.url)
    expect(code).toBe(0)
    expect(ms).toBeLessThan(10_000)
  })
})
