// The same delivery tests for both capture protocols (`/batch/` and Capture v1), the SDK
// against hoglet-server: every captured event ends up stored, with the uuid it was captured
// with, through each kind of fault; partial acceptance is v1's own.
import { gunzipSync } from 'node:zlib'
import { PostHog, uuidv7 } from 'hoglet'
import { afterEach, describe, expect, it } from 'vitest'
import { startServer, type RunningServer } from '../src/index.js'
import type { FaultSpec } from '../src/control/faults.js'
import { serverControl } from './server-control.js'

const PROTOCOLS = [
  { mode: 'v0', path: '/batch' },
  { mode: 'v1', path: '/i/v1/analytics/events' },
] as const

const servers: RunningServer[] = []
const clients: PostHog[] = []
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.shutdown(3000)))
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

async function server(port = 0): Promise<RunningServer> {
  const s = await startServer({ database: ':memory:', port })
  servers.push(s)
  return s
}

function client(host: string, captureMode: 'v0' | 'v1', options: ConstructorParameters<typeof PostHog>[1] = {}): PostHog {
  const c = new PostHog('phc_protocols', {
    host,
    captureMode,
    flushAt: 1000,
    flushInterval: 60_000,
    fetchRetryDelay: 20,
    fetchRetryCount: 6,
    requestTimeout: 2000,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    ...options,
  })
  clients.push(c)
  return c
}

/** Captures `count` events and returns their uuids. */
function captureMany(c: PostHog, count: number, prefix = 'e'): string[] {
  const uuids: string[] = []
  for (let i = 0; i < count; i++) {
    const uuid = uuidv7()
    c.capture({ distinctId: `user-${i % 7}`, event: `${prefix}-${i}`, properties: { i, $session_id: 'session-1' }, uuid })
    uuids.push(uuid)
  }
  return uuids
}

function storedUuids(s: RunningServer): Set<string> {
  return new Set(s.store.events.list({ limit: 10_000 }).map((e) => e.uuid))
}

describe.each(PROTOCOLS)('capture $mode delivers every event', ({ mode, path }) => {
  it('to its endpoint, gzipped, with the uuids it captured and the library recorded', async () => {
    const s = await server()
    const c = client(s.url, mode)
    const uuids = captureMany(c, 50)
    await c.flush()
    const stored = s.store.events.list({ limit: 100 })
    expect(new Set(stored.map((e) => e.uuid))).toEqual(new Set(uuids))
    expect(stored[0]!.properties).toMatchObject({ $lib: 'hoglet', $session_id: 'session-1' })
    const requests = serverControl(s).requests(path)
    expect(requests.length).toBeGreaterThan(0)
    expect(requests.every((r) => r.headers['content-encoding'] === 'gzip')).toBe(true)
    if (mode === 'v1') {
      // The request log redacts the token; the body test below sees the header as sent.
      expect(requests[0]!.headers).toMatchObject({ authorization: expect.stringMatching(/^Bearer phc_/), 'posthog-attempt': '1' })
      expect(requests[0]!.headers['posthog-sdk-info']).toMatch(/^hoglet\//)
      const body = JSON.parse(requests[0]!.body!)
      expect(body.batch[0]).toMatchObject({ session_id: 'session-1', options: {} })
      expect(body.batch[0].properties.$lib).toBeUndefined()
      expect(body.api_key).toBeUndefined()
    }
    expect(c.stats()).toMatchObject({ delivered: 50, droppedTotal: 0 })
  })

  it.each<[string, FaultSpec[]]>([
    ['two 500s', [{ status: 500, times: 2 }]],
    ['a burst of five 503s', [{ status: 503, times: 5 }]],
    ['connection resets', [{ reset: true, times: 2 }]],
    ['a 502 then a reset then a 504', [{ status: 502 }, { reset: true }, { status: 504 }]],
  ])('through %s', async (_name, faults) => {
    const s = await server()
    serverControl(s).injectFaults(...faults.map((f) => ({ path, ...f })))
    const c = client(s.url, mode)
    const uuids = captureMany(c, 30)
    await c.flush()
    expect(storedUuids(s)).toEqual(new Set(uuids))
    expect(c.stats()).toMatchObject({ delivered: 30, droppedTotal: 0 })
    expect(c.stats().retried).toBe(faults.reduce((n, f) => n + (f.times ?? 1), 0))
  })

  it('through a 429 with Retry-After, waiting at least that long', async () => {
    const s = await server()
    serverControl(s).injectFaults({ path, status: 429, retryAfter: 1 })
    const c = client(s.url, mode)
    const uuids = captureMany(c, 10)
    const started = Date.now()
    await c.flush()
    expect(Date.now() - started).toBeGreaterThanOrEqual(950)
    expect(storedUuids(s)).toEqual(new Set(uuids))
    expect(c.stats().droppedTotal).toBe(0)
  })

  it('through slow answers past the request timeout (stored at least once, never dropped)', async () => {
    const s = await server()
    serverControl(s).injectFaults({ path, delayMs: 700, times: 2 })
    const c = client(s.url, mode, { requestTimeout: 300 })
    const uuids = captureMany(c, 20)
    await c.flush()
    const stored = storedUuids(s)
    for (const uuid of uuids) expect(stored.has(uuid)).toBe(true)
    expect(c.stats()).toMatchObject({ droppedTotal: 0 })
    expect(c.stats().retried).toBeGreaterThanOrEqual(1)
  })

  it('through an outage: the server is gone, then back on the same port', async () => {
    const first = await server()
    const port = first.port
    await first.close()
    const c = client(`http://127.0.0.1:${port}`, mode, { fetchRetryDelay: 200, fetchRetryMaxDelay: 400, fetchRetryCount: 20 })
    const uuids = captureMany(c, 25)
    const flushed = c.flush()
    await new Promise((resolve) => setTimeout(resolve, 1200))
    const back = await server(port)
    await flushed
    expect(storedUuids(back)).toEqual(new Set(uuids))
    expect(c.stats().droppedTotal).toBe(0)
  })

  it('through a 413, by halving the batch', async () => {
    const s = await server()
    serverControl(s).injectFaults({ path, status: 413 })
    const c = client(s.url, mode)
    const uuids = captureMany(c, 40)
    await c.flush()
    expect(storedUuids(s)).toEqual(new Set(uuids))
    expect(c.stats()).toMatchObject({ delivered: 40, droppedTotal: 0 })
    expect(serverControl(s).requests(path).length).toBe(3)
  })

  it('with the Immediate calls', async () => {
    const s = await server()
    serverControl(s).injectFaults({ path, status: 503 })
    const c = client(s.url, mode)
    const uuid = uuidv7()
    await c.captureImmediate({ distinctId: 'u', event: 'now', uuid })
    expect(storedUuids(s)).toEqual(new Set([uuid]))
  })
})

describe('capture v1 partial acceptance', () => {
  it('sends again only the events the server asked to retry, with the same uuids and request id, and counts the refused ones', async () => {
    const s = await server()
    const control = serverControl(s)
    control.injectFaults({ path: '/i/v1/analytics/events', eventResults: { retry: 3, drop: 2 } })
    const drops: Array<{ reason: string; count: number }> = []
    const c = client(s.url, 'v1')
    c.on('drop', (d) => drops.push({ reason: d.reason, count: d.count }))
    const uuids = captureMany(c, 20)
    await c.flush()

    const [first, second, ...rest] = control.requests('/i/v1/analytics/events')
    expect(rest).toHaveLength(0)
    const firstBatch = JSON.parse(first!.body!).batch.map((e: { uuid: string }) => e.uuid)
    const secondBatch = JSON.parse(second!.body!).batch.map((e: { uuid: string }) => e.uuid)
    expect(firstBatch).toEqual(uuids)
    expect(secondBatch).toEqual(uuids.slice(0, 3))
    expect(second!.headers['posthog-attempt']).toBe('2')
    expect(second!.headers['posthog-request-id']).toBe(first!.headers['posthog-request-id'])

    const refused = new Set(uuids.slice(3, 5))
    expect(storedUuids(s)).toEqual(new Set(uuids.filter((u) => !refused.has(u))))
    expect(c.stats()).toMatchObject({ delivered: 18, droppedTotal: 2, dropped: { rejected: 2 } })
    expect(drops).toEqual([{ reason: 'rejected', count: 2 }])
  })

  it('gives up on events the server keeps asking to retry after fetchRetryCount retries, and says so', async () => {
    const s = await server()
    serverControl(s).injectFaults({ path: '/i/v1/analytics/events', eventResults: { retry: 1 }, times: 10 })
    const c = client(s.url, 'v1', { fetchRetryCount: 2 })
    captureMany(c, 5)
    await c.flush()
    expect(c.stats()).toMatchObject({ delivered: 4, dropped: { retries_exhausted: 1 } })
    expect(serverControl(s).requests('/i/v1/analytics/events')).toHaveLength(3)
  })

  it('POSTHOG_CAPTURE_MODE=v1 selects Capture v1 when the option is not given', async () => {
    const s = await server()
    process.env.POSTHOG_CAPTURE_MODE = 'v1'
    try {
      const c = new PostHog('phc_env', { host: s.url, flushAt: 1, logger: { debug() {}, info() {}, warn() {}, error() {} } })
      clients.push(c)
      c.capture({ distinctId: 'u', event: 'e' })
      await c.flush()
    } finally {
      delete process.env.POSTHOG_CAPTURE_MODE
    }
    expect(serverControl(s).requests('/i/v1/analytics/events')).toHaveLength(1)
    expect(serverControl(s).requests('/batch')).toHaveLength(0)
  })

  it('refuses an invalid captureMode at construction, naming the option', () => {
    expect(() => new PostHog('phc_x', { captureMode: 'v2' as 'v1' })).toThrow(/captureMode/)
  })
})

// Request bodies are logged decoded; make sure the gzip the SDK sent was real.
describe('capture v1 body', () => {
  it('is valid gzip of the v1 envelope', async () => {
    const bodies: Buffer[] = []
    const auth: unknown[] = []
    const s = await server()
    const c = client(s.url, 'v1', {
      fetch: async (url, init) => {
        bodies.push(Buffer.from(init!.body as Uint8Array))
        auth.push((init!.headers as Record<string, string>).Authorization)
        return fetch(url, init)
      },
    })
    captureMany(c, 3)
    await c.flush()
    const envelope = JSON.parse(gunzipSync(bodies[0]!).toString('utf8'))
    expect(Object.keys(envelope)).toEqual(['created_at', 'batch'])
    expect(envelope.batch).toHaveLength(3)
    expect(auth).toEqual(['Bearer phc_protocols'])
  })
})
