import { describe, expect, it } from 'vitest'
import { PostHog, uuidv7 } from '../../src/index.js'
import { createTestServer } from '../helpers/test-server.js'
import { receivedEvents, serverPerTest } from '../helpers/client.js'

const { server, client: make, track } = serverPerTest()

describe('batching and flushing', () => {
  it('flush with nothing queued sends nothing', async () => {
    const client = make()
    await client.flush()
    await client.flush()
    expect(server.requests).toHaveLength(0)
  })

  it('starts a background flush once flushAt events are queued', async () => {
    const client = make({ flushAt: 3 })
    client.capture({ distinctId: 'u', event: 'a' })
    client.capture({ distinctId: 'u', event: 'b' })
    await new Promise((r) => setTimeout(r, 50))
    expect(server.requests).toHaveLength(0)
    client.capture({ distinctId: 'u', event: 'c' })
    const [request] = await server.waitForRequests('/batch/', 1)
    expect(request.json.batch.map((e: any) => e.event)).toEqual(['a', 'b', 'c'])
  })

  it('flushes on the flushInterval timer', async () => {
    const client = make({ flushAt: 100, flushInterval: 50 })
    client.capture({ distinctId: 'u', event: 'timer' })
    const [request] = await server.waitForRequests('/batch/', 1, 5000)
    expect(request.json.batch[0].event).toBe('timer')
  })

  it('cuts batches at maxBatchSize', async () => {
    const client = make({ flushAt: 4, maxBatchSize: 4 })
    for (let i = 0; i < 10; i++) client.capture({ distinctId: 'u', event: `e${i}` })
    await client.flush()
    // Sizes in any order: a second request may go out while a full batch waits.
    expect(server.requestsTo('/batch/').map((r) => r.json.batch.length).sort()).toEqual([2, 4, 4])
    expect(receivedEvents(server).map((e) => e.event).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `e${i}`))
  })

  it('cuts batches at 5 MiB of JSON', async () => {
    const client = make({ flushAt: 1000, maxBatchSize: 1000 })
    const blob = 'x'.repeat(800 * 1024)
    for (let i = 0; i < 8; i++) client.capture({ distinctId: 'u', event: `e${i}`, properties: { blob } })
    await client.flush()
    const requests = server.requestsTo('/batch/')
    expect(requests.length).toBeGreaterThanOrEqual(2)
    for (const r of requests) expect(r.body.length).toBeLessThanOrEqual(5 * 1024 * 1024)
    expect(receivedEvents(server)).toHaveLength(8)
  })

  it('flush() resolves only after the batch already in flight is answered', async () => {
    server.enqueue('/batch/', { status: 200, delayMs: 300 })
    const client = make({ flushAt: 1 })
    client.capture({ distinctId: 'u', event: 'slow' })
    await server.waitForRequests('/batch/', 1)
    expect(client.stats().inFlight).toBe(1)
    await client.flush()
    expect(client.stats()).toMatchObject({ delivered: 1, inFlight: 0, queued: 0 })
  })

  it('keeps one request in flight, and a second only while a full batch waits behind it', async () => {
    server.route('/batch/', { hang: true })
    const client = make({ flushAt: 1, maxBatchSize: 1 })
    client.capture({ distinctId: 'u', event: 'alone' })
    await server.waitForRequests('/batch/', 1)
    await new Promise((r) => setTimeout(r, 100))
    expect(server.requestsTo('/batch/')).toHaveLength(1)
    for (let i = 0; i < 10; i++) client.capture({ distinctId: 'u', event: `e${i}` })
    await new Promise((r) => setTimeout(r, 100))
    expect(server.requestsTo('/batch/')).toHaveLength(1) // the single loop is still waiting

    const backlog = make({ flushAt: 1, maxBatchSize: 1 })
    for (let i = 0; i < 10; i++) backlog.capture({ distinctId: 'u', event: `b${i}` })
    await server.waitForRequests('/batch/', 3)
    await new Promise((r) => setTimeout(r, 100))
    expect(server.requestsTo('/batch/')).toHaveLength(3) // 1 + 2 for the backlog, never more
    await Promise.all([client.shutdown(100), backlog.shutdown(100)])
  })

  it('flush() waits for events captured before it, including those queued behind a batch in flight', async () => {
    server.enqueue('/batch/', { status: 200, delayMs: 200 })
    const client = make({ flushAt: 2, maxBatchSize: 2 })
    for (let i = 0; i < 5; i++) client.capture({ distinctId: 'u', event: `e${i}` })
    await client.flush()
    expect(client.stats().delivered).toBe(5)
  })

  it('resolves flush() instead of rejecting when the server is down, and keeps the batch for the next flush', async () => {
    const down = await createTestServer()
    await down.close()
    const errors: Error[] = []
    const client = new PostHog('phc_test', { host: down.url, flushInterval: 0, fetchRetryDelay: 1, fetchRetryCount: 1, logger: clientsLogger, onError: (e) => errors.push(e) })
    track(client)
    client.capture({ distinctId: 'u', event: 'e' })
    await expect(client.flush()).resolves.toBeUndefined()
    expect(client.stats()).toMatchObject({ queued: 1, droppedTotal: 0, retried: 1 })
    expect(errors.some((e) => /stay queued|fetch failed|network/i.test(e.message))).toBe(true)
  })

  it('gives up on a batch after the retries on a 5xx, and counts the loss', async () => {
    server.route('/batch/', { status: 503 })
    const client = make({ fetchRetryDelay: 1, fetchRetryCount: 1 })
    client.capture({ distinctId: 'u', event: 'e' })
    await expect(client.flush()).resolves.toBeUndefined()
    expect(client.stats().dropped.retries_exhausted).toBe(1)
    expect(client.stats().queued).toBe(0)
  })
})

const clientsLogger = { debug() {}, info() {}, warn() {}, error() {} }

describe('bounded queue', () => {
  it('drops the oldest events when full, counts them, reports once per burst and the total after', async () => {
    const warnings: string[] = []
    const errors: Error[] = []
    const drops: Array<{ reason: string }> = []
    const client = make({
      flushAt: 3,
      maxQueueSize: 3,
      onError: (e) => errors.push(e),
      logger: { ...clientsLogger, warn: (m: string) => warnings.push(m) },
    })
    client.on('drop', (d) => drops.push(d))
    for (let i = 0; i < 5; i++) client.capture({ distinctId: 'u', event: `e${i}` })
    expect(client.stats()).toMatchObject({ captured: 5, queued: 3, dropped: expect.objectContaining({ queue_full: 2 }) })
    expect(drops).toHaveLength(2)
    expect(errors).toHaveLength(1)
    expect(errors[0].message).toMatch(/queue is full/)
    await client.flush()
    expect(receivedEvents(server).map((e) => e.event)).toEqual(['e2', 'e3', 'e4'])
    client.capture({ distinctId: 'u', event: 'after' })
    expect(warnings.some((w) => /2 event\(s\) were dropped/.test(w))).toBe(true)
  })
})

describe('backlog compaction', () => {
  it('delivers a compacted backlog intact: every event once, each batch in capture order, unchanged', async () => {
    server.route('/batch/', { status: 200, delayMs: 100 }) // slow server: a backlog builds up
    const client = make({ flushAt: 10, maxBatchSize: 10 })
    const uuids: string[] = []
    for (let i = 0; i < 1500; i++) {
      const uuid = uuidv7()
      uuids.push(uuid)
      client.capture({ distinctId: `u${i}`, event: 'backlog', properties: { i, note: 'multi\nline é' }, uuid })
    }
    await new Promise((r) => setImmediate(r)) // compaction runs right after the capture burst
    server.route('/batch/', { status: 200 })
    await client.flush()
    const events = receivedEvents(server)
    // Two requests may be in flight while a backlog drains, so batches can arrive out of order.
    expect(events).toHaveLength(1500)
    expect([...events.map((e) => e.uuid)].sort()).toEqual([...uuids].sort())
    for (const request of server.requestsTo('/batch/')) {
      const order = request.json.batch.map((e: any) => e.properties.i)
      expect(order).toEqual([...order].sort((a: number, b: number) => a - b))
    }
    expect(events.find((e) => e.properties.i === 1234).properties).toMatchObject({ note: 'multi\nline é', $lib: 'hoglet' })
    expect(client.stats()).toMatchObject({ captured: 1500, delivered: 1500, droppedTotal: 0 })
  })

  it('sends a queue that waited for its flush, mostly compacted, as one batch in capture order', async () => {
    // 800 events wait for the flush: all but the first block are compacted, and the one batch
    // of up to 1000 takes plain and compacted events alike.
    const client = make({ flushAt: 1000, maxBatchSize: 1000 })
    const uuids: string[] = []
    for (let i = 0; i < 800; i++) {
      const uuid = uuidv7()
      uuids.push(uuid)
      client.capture({ distinctId: `u${i % 7}`, event: 'waiting', properties: { i, text: `é\n${i}` }, uuid })
    }
    await new Promise((r) => setImmediate(r))
    await new Promise((r) => setImmediate(r))
    expect(server.requests).toHaveLength(0)
    await client.flush()
    const [request, ...more] = server.requestsTo('/batch/')
    expect(more).toHaveLength(0)
    expect(request!.json.batch.map((e: any) => e.uuid)).toEqual(uuids)
    expect(request!.json.batch.map((e: any) => e.properties.text)).toEqual(uuids.map((_, i) => `é\n${i}`))
  })
})

describe('sync mode and Immediate calls', () => {
  it('syncMode sends each capture at once and flush() awaits it', async () => {
    const client = make({ syncMode: true, flushAt: 50 })
    client.capture({ distinctId: 'u', event: 'now' })
    await client.flush()
    expect(receivedEvents(server).map((e) => e.event)).toEqual(['now'])
  })

  it('captureImmediate resolves after the server answered', async () => {
    server.enqueue('/batch/', { status: 200, delayMs: 100 })
    const client = make({ flushAt: 50 })
    await client.captureImmediate({ distinctId: 'u', event: 'imm', uuid: '0190a6b2-1c3d-7e4f-8a9b-0c1d2e3f4a5b' })
    expect(server.requestsTo('/batch/')).toHaveLength(1)
    expect(receivedEvents(server)[0].uuid).toBe('0190a6b2-1c3d-7e4f-8a9b-0c1d2e3f4a5b')
  })

  it('concurrent Immediate calls each resolve once their own request is answered', async () => {
    server.route('/batch/', { status: 200, delayMs: 50 })
    const client = make()
    await Promise.all(Array.from({ length: 5 }, (_, i) => client.captureImmediate({ distinctId: 'u', event: `parallel-${i}` })))
    expect(server.requestsTo('/batch/')).toHaveLength(5)
    expect(client.stats().delivered).toBe(5)
    await client.flush()
  })

  it('captureImmediate resolves (never rejects) when delivery fails', async () => {
    server.route('/batch/', { status: 400 })
    const client = make()
    await expect(client.captureImmediate({ distinctId: 'u', event: 'imm' })).resolves.toBeUndefined()
    expect(client.stats().dropped.http_4xx).toBe(1)
  })

  it('identifyImmediate, aliasImmediate and groupIdentifyImmediate each send one request', async () => {
    const client = make()
    await client.identifyImmediate({ distinctId: 'u', properties: { plan: 'pro' } })
    await client.aliasImmediate({ distinctId: 'u', alias: 'anon-1' })
    await client.groupIdentifyImmediate({ groupType: 'company', groupKey: 'acme', properties: { name: 'Acme' } })
    expect(server.requestsTo('/batch/').map((r) => r.json.batch[0].event)).toEqual(['$identify', '$create_alias', '$groupidentify'])
  })
})

describe('disabled', () => {
  it('sends nothing and makes no request when disabled', async () => {
    const client = make({ disabled: true, flushAt: 1 })
    client.capture({ distinctId: 'u', event: 'e' })
    client.identify({ distinctId: 'u', properties: { a: 1 } })
    await client.captureImmediate({ distinctId: 'u', event: 'e' })
    await client.flush()
    await client.shutdown()
    expect(server.requests).toHaveLength(0)
    expect(client.isDisabled).toBe(true)
  })

  it('a blank api key disables the client with a warning', async () => {
    const warnings: string[] = []
    const client = new PostHog('  ', { host: server.url, logger: { ...clientsLogger, warn: (m: string) => warnings.push(m) } })
    track(client)
    client.capture({ distinctId: 'u', event: 'e' })
    await client.flush()
    expect(client.isDisabled).toBe(true)
    expect(warnings.join()).toMatch(/api key/)
    expect(server.requests).toHaveLength(0)
  })
})
