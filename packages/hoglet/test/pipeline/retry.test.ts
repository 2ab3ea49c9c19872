import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isHttpError, type PostHog } from '../../src/index.js'
import { createTestServer, type TestServer } from '../helpers/test-server.js'
import { clientFor, receivedEvents } from '../helpers/client.js'

let server: TestServer
let client: PostHog | undefined
beforeEach(async () => {
  server = await createTestServer()
})
afterEach(async () => {
  await client?.shutdown(2000)
  client = undefined
  await server.close()
})

function gaps(times: number[]): number[] {
  return times.slice(1).map((t, i) => t - times[i])
}

describe('retries', () => {
  it.each([500, 502, 503, 504, 408, 429])('retries HTTP %i and then delivers', async (status) => {
    server.enqueue('/batch/', { status }, { status })
    client = clientFor(server)
    client.capture({ distinctId: 'u', event: 'e' })
    await client.flush()
    expect(server.requestsTo('/batch/')).toHaveLength(3)
    const stats = client.stats()
    expect(stats.delivered).toBe(1)
    expect(stats.retried).toBe(2)
    expect(stats.droppedTotal).toBe(0)
  })

  it.each([400, 401, 403])('does not retry HTTP %i and reports the drop', async (status) => {
    server.enqueue('/batch/', { status, body: { error: 'nope' } })
    const errors: Error[] = []
    client = clientFor(server, { onError: (e) => errors.push(e) })
    client.capture({ distinctId: 'u', event: 'e' })
    await client.flush()
    expect(server.requestsTo('/batch/')).toHaveLength(1)
    expect(client.stats().dropped.http_4xx).toBe(1)
    expect(errors).toHaveLength(1)
    expect(isHttpError(errors[0].cause)).toBe(true)
    expect((errors[0].cause as { status: number }).status).toBe(status)
  })

  it('makes exactly fetchRetryCount + 1 attempts, then drops as retries_exhausted', async () => {
    server.route('/batch/', { status: 503 })
    client = clientFor(server, { fetchRetryCount: 2 })
    client.capture({ distinctId: 'u', event: 'e' })
    await client.flush()
    expect(server.requestsTo('/batch/')).toHaveLength(3)
    expect(client.stats().dropped.retries_exhausted).toBe(1)

    const none = clientFor(server, { fetchRetryCount: 0 })
    none.capture({ distinctId: 'u', event: 'e' })
    await none.flush()
    expect(server.requestsTo('/batch/')).toHaveLength(4)
  })

  it('keeps every uuid and timestamp identical across retries; only sent_at changes', async () => {
    server.enqueue('/batch/', { status: 500 }, { status: 502 })
    client = clientFor(server, { fetchRetryDelay: 20 })
    client.capture({ distinctId: 'u', event: 'a' })
    client.capture({ distinctId: 'u', event: 'b' })
    await client.flush()
    const bodies = server.requestsTo('/batch/').map((r) => r.json)
    expect(bodies).toHaveLength(3)
    for (const body of bodies.slice(1)) expect(body.batch).toEqual(bodies[0].batch)
    expect(new Set(bodies.map((b) => b.sent_at)).size).toBe(3)
  })

  it('waits longer before each retry (exponential backoff)', async () => {
    server.route('/batch/', { status: 500 })
    client = clientFor(server, { fetchRetryDelay: 40, fetchRetryCount: 3 })
    client.capture({ distinctId: 'u', event: 'e' })
    await client.flush()
    const times = server.requestsTo('/batch/').map((r) => r.receivedAt)
    const [g1, g2, g3] = gaps(times)
    // Base 40 ms ±25 %: ≥30, ≥60, ≥120 ms; each gap larger than the previous one.
    expect(g1).toBeGreaterThanOrEqual(29)
    expect(g2).toBeGreaterThanOrEqual(59)
    expect(g3).toBeGreaterThanOrEqual(119)
    expect(g2).toBeGreaterThan(g1)
    expect(g3).toBeGreaterThan(g2)
  })

  it('honours Retry-After in seconds over a shorter backoff', async () => {
    server.enqueue('/batch/', { status: 429, headers: { 'Retry-After': '1' } })
    client = clientFor(server, { fetchRetryDelay: 5 })
    client.capture({ distinctId: 'u', event: 'e' })
    await client.flush()
    const [g] = gaps(server.requestsTo('/batch/').map((r) => r.receivedAt))
    expect(g).toBeGreaterThanOrEqual(950)
    expect(client.stats().delivered).toBe(1)
  })

  it('honours Retry-After as an HTTP date', async () => {
    const at = new Date(Date.now() + 2000).toUTCString() // second precision: 1–2 s from now
    server.enqueue('/batch/', { status: 503, headers: { 'Retry-After': at } })
    client = clientFor(server, { fetchRetryDelay: 5 })
    client.capture({ distinctId: 'u', event: 'e' })
    await client.flush()
    const [g] = gaps(server.requestsTo('/batch/').map((r) => r.receivedAt))
    expect(g).toBeGreaterThanOrEqual(900)
  })

  it('caps Retry-After at fetchRetryMaxDelay', async () => {
    server.enqueue('/batch/', { status: 429, headers: { 'Retry-After': '3600' } })
    client = clientFor(server, { fetchRetryDelay: 5, fetchRetryMaxDelay: 100 })
    client.capture({ distinctId: 'u', event: 'e' })
    const started = Date.now()
    await client.flush()
    expect(Date.now() - started).toBeLessThan(5000)
    expect(server.requestsTo('/batch/')).toHaveLength(2)
  })

  it('retries network errors (connection reset)', async () => {
    server.enqueue('/batch/', { reset: true })
    client = clientFor(server)
    client.capture({ distinctId: 'u', event: 'e' })
    await client.flush()
    expect(client.stats().delivered).toBe(1)
    expect(client.stats().retried).toBe(1)
  })

  it('aborts a request after requestTimeout and retries it', async () => {
    server.enqueue('/batch/', { hang: true })
    client = clientFor(server, { requestTimeout: 200 })
    const retries: unknown[] = []
    client.on('retry', (r) => retries.push(r))
    client.capture({ distinctId: 'u', event: 'e' })
    await client.flush()
    expect(server.requestsTo('/batch/')).toHaveLength(2)
    expect(client.stats().delivered).toBe(1)
    expect((retries[0] as { error: Error }).error.name).toBe('RequestTimeoutError')
  })
})

describe('413 Payload Too Large', () => {
  it('splits the batch in halves and delivers both', async () => {
    server.enqueue('/batch/', { status: 413 })
    client = clientFor(server)
    for (let i = 0; i < 5; i++) client.capture({ distinctId: 'u', event: `e${i}` })
    await client.flush()
    const sizes = server.requestsTo('/batch/').map((r) => r.json.batch.length)
    expect(sizes).toEqual([5, 3, 2])
    expect(receivedEvents(server).slice(5).map((e) => e.event)).toEqual(['e0', 'e1', 'e2', 'e3', 'e4'])
    expect(client.stats().delivered).toBe(5)
  })

  it('drops a single event the server finds too large, and reports it', async () => {
    server.route('/batch/', { status: 413 })
    client = clientFor(server)
    const drops: Array<{ reason: string; count: number }> = []
    client.on('drop', (d) => drops.push(d))
    client.capture({ distinctId: 'u', event: 'big' })
    await client.flush()
    expect(server.requestsTo('/batch/')).toHaveLength(1)
    expect(drops).toEqual([expect.objectContaining({ reason: 'too_large', count: 1 })])
  })
})
