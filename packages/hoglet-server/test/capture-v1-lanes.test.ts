// README claims on Capture v1 beyond capture-protocols.test.ts: the request id and timestamp
// headers, a 404 is retried on v1 (the endpoint rolling out) but not on /batch/, and
// LLM-analytics events stay on /i/v0/ai/batch/.
import { PostHog, uuidv7 } from 'hoglet'
import { afterEach, describe, expect, it } from 'vitest'
import { startServer, type RunningServer } from '../src/index.js'
import { serverControl } from './server-control.js'

const servers: RunningServer[] = []
const clients: PostHog[] = []
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.shutdown(3000)))
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

async function server(): Promise<RunningServer> {
  const s = await startServer({ database: ':memory:', port: 0 })
  servers.push(s)
  return s
}

function client(host: string, captureMode: 'v0' | 'v1'): PostHog {
  const c = new PostHog('phc_lanes', { host, captureMode, flushAt: 1000, flushInterval: 0, fetchRetryDelay: 20, fetchRetryCount: 3, logger: { debug() {}, info() {}, warn() {}, error() {} } })
  clients.push(c)
  return c
}

describe('Capture v1 request headers', () => {
  it('carry PostHog-Request-Id and an ISO PostHog-Request-Timestamp; a retry keeps the id and counts PostHog-Attempt up', async () => {
    const s = await server()
    serverControl(s).injectFaults({ path: '/i/v1/analytics/events', status: 503 })
    const c = client(s.url, 'v1')
    const before = Date.now()
    c.capture({ distinctId: 'u', event: 'with headers' })
    await c.flush()
    const [first, second] = serverControl(s).requests('/i/v1/analytics/events')
    expect(first!.headers['posthog-request-id']).toMatch(/\S{8,}/)
    expect(second!.headers['posthog-request-id']).toBe(first!.headers['posthog-request-id'])
    expect([first!.headers['posthog-attempt'], second!.headers['posthog-attempt']]).toEqual(['1', '2'])
    for (const r of [first!, second!]) {
      const stamp = String(r.headers['posthog-request-timestamp'])
      expect(stamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
      expect(Date.parse(stamp)).toBeGreaterThanOrEqual(before - 1000)
      expect(Date.parse(stamp)).toBeLessThanOrEqual(Date.now() + 1000)
    }
  })
})

describe('a 404 answer', () => {
  it('is retried on Capture v1, and the event is stored under its uuid', async () => {
    const s = await server()
    serverControl(s).injectFaults({ path: '/i/v1/analytics/events', status: 404 })
    const c = client(s.url, 'v1')
    const uuid = uuidv7()
    c.capture({ distinctId: 'u', event: 'after a 404', uuid })
    await c.flush()
    expect(serverControl(s).requests('/i/v1/analytics/events')).toHaveLength(2)
    expect(s.store.events.list({ limit: 10 }).map((e) => e.uuid)).toEqual([uuid])
    expect(c.stats()).toMatchObject({ delivered: 1, retried: 1, droppedTotal: 0 })
  })

  it('is not retried on /batch/: the batch is dropped as http_4xx', async () => {
    const s = await server()
    serverControl(s).injectFaults({ path: '/batch', status: 404 })
    const c = client(s.url, 'v0')
    c.capture({ distinctId: 'u', event: 'lost to a 404' })
    await c.flush()
    expect(serverControl(s).requests('/batch')).toHaveLength(1)
    expect(s.store.events.count()).toBe(0)
    expect(c.stats()).toMatchObject({ delivered: 0, retried: 0, dropped: { http_4xx: 1 } })
  })
})

describe('LLM-analytics events under Capture v1', () => {
  it('go to /i/v0/ai/batch/ while the other events go to /i/v1/analytics/events', async () => {
    const s = await server()
    const c = client(s.url, 'v1')
    const aiUuid = uuidv7()
    c.captureAi({ distinctId: 'u', event: '$ai_generation', uuid: aiUuid, properties: { $ai_model: 'm' } })
    c.capture({ distinctId: 'u', event: 'plain' })
    await c.flush()
    const control = serverControl(s)
    expect(control.requests('/i/v0/ai/batch')).toHaveLength(1)
    expect(control.requests('/i/v1/analytics/events')).toHaveLength(1)
    expect(control.requests('/batch')).toHaveLength(0)
    const stored = s.store.events.list({ limit: 10 })
    expect(stored.map((e) => e.event).sort()).toEqual(['$ai_generation', 'plain'])
    expect(stored.find((e) => e.event === '$ai_generation')!.uuid).toBe(aiUuid)
  })
})
