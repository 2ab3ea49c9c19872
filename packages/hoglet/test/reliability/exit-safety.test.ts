import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createTestServer, type TestServer } from '../helpers/test-server.js'
import { receivedEvents } from '../helpers/client.js'

// Exit safety against real child processes running the BUILT package (`npm run build` first).

const fixture = fileURLToPath(new URL('../fixtures/exit-safety.mjs', import.meta.url))
let server: TestServer
beforeEach(async () => {
  server = await createTestServer()
})
afterEach(async () => {
  await server.close()
})

function run(mode: string, signal?: NodeJS.Signals, shutdownMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [fixture, server.url, mode, ...(shutdownMs ? [String(shutdownMs)] : [])], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (c: Buffer) => void (stderr += c.toString()))
    child.stdout.on('data', (c: Buffer) => {
      if (signal && c.toString().includes('ready')) child.kill(signal)
    })
    child.on('exit', (code, sig) => resolve({ code, signal: sig, stderr }))
  })
}

describe('exit safety', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`flushOnSignals: ${signal} delivers the queue, then the process dies of the signal as Node does`, async () => {
      const result = await run('signal', signal)
      expect(result.signal).toBe(signal)
      expect(receivedEvents(server)).toHaveLength(50)
    })
  }

  it('flushOnSignals leaves the exit to a program that listens to the signal itself', async () => {
    const result = await run('signal-own', 'SIGTERM')
    expect(result.code).toBe(7)
    expect(receivedEvents(server)).toHaveLength(50)
  })

  it('flushOnSignals: shutdownTimeoutMs bounds the wait when the server never answers', async () => {
    server.route('/batch/', { hang: true })
    const started = Date.now()
    const result = await run('signal', 'SIGTERM', 500)
    expect(result.signal).toBe('SIGTERM')
    expect(Date.now() - started).toBeLessThan(4000)
    expect(result.stderr).toMatch(/50 event\(s\) undelivered/)
  })

  it('flushOnSignals: a second signal ends the process at once', async () => {
    server.route('/batch/', { hang: true })
    const started = Date.now()
    const child = spawn(process.execPath, [fixture, server.url, 'signal'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } })
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, sig) => resolve(sig)))
    child.stdout.on('data', () => child.kill('SIGTERM'))
    // A second signal ends it at once, whatever the shutdown is waiting for.
    setTimeout(() => child.kill('SIGTERM'), 1500)
    expect(await exited).toBe('SIGTERM')
    expect(Date.now() - started).toBeLessThan(10_000)
  })

  it('warns at exit when events are still queued and no shutdown ran', async () => {
    const result = await run('exit')
    expect(result.code).toBe(0)
    expect(result.stderr).toMatch(/exiting with 50 event\(s\) not yet sent and no shutdown\(\)/)
  })

  it('crash autocapture also resends the batches that were in flight', async () => {
    server.route('/batch/', { status: 200, body: { status: 1 }, delayMs: 400 })
    const result = await run('crash')
    expect(result.code).toBe(1)
    const names = new Set(receivedEvents(server).map((e) => e.event))
    for (let i = 0; i < 400; i++) expect(names.has(`queued-${i}`), `queued-${i}`).toBe(true)
    expect(names.has('$exception')).toBe(true)
  })
})
