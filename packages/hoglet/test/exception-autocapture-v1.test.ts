import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestServer, type TestServer } from './helpers/test-server.js'
import { receivedEvents } from './integrations/helpers.js'

// README (Capture v1): "the last-moment delivery of a crash uses /batch/". The crash fixture runs
// the built package with POSTHOG_CAPTURE_MODE=v1 (the client is given no captureMode).
const fixture = fileURLToPath(new URL('./fixtures/autocapture-crash.mjs', import.meta.url))
const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url))

describe('a crash under Capture v1', () => {
  let sink: TestServer
  beforeAll(async () => {
    if (!existsSync(dist)) throw new Error('These tests run the built package: run `npm run build` first.')
    sink = await createTestServer()
  })
  afterAll(async () => {
    await sink.close()
  })

  function run(scenario: string): Promise<{ code: number | null; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [fixture, scenario, '1', sink.url], {
        env: { ...process.env, NODE_OPTIONS: '', POSTHOG_CAPTURE_MODE: 'v1' },
        stdio: ['ignore', 'ignore', 'pipe'],
      })
      let stderr = ''
      child.stderr.on('data', (c) => (stderr += c))
      child.on('error', reject)
      child.on('close', (code) => resolve({ code, stderr }))
    })
  }

  it('the client in the fixture does use v1: an exception the program handles goes to /i/v1/analytics/events', async () => {
    const result = await run('handled-by-program')
    expect(result.code).toBe(3)
    const v1 = sink.requestsTo('/i/v1/analytics/events')
    expect(v1.length).toBeGreaterThan(0)
    expect(v1.flatMap((r) => r.json.batch.map((e: { event: string }) => e.event))).toContain('$exception')
    expect(sink.requestsTo('/batch/')).toHaveLength(0)
    sink.requests.length = 0
  })

  it('a crash delivers the $exception and the queued events through /batch/ before Node exits', async () => {
    const result = await run('uncaught-error')
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('TypeError: fixture crash')
    expect(receivedEvents(sink).map((e) => e.event).sort()).toEqual(['$exception', 'before failure'])
    expect(sink.requestsTo('/i/v1/')).toHaveLength(0)
  })
})
