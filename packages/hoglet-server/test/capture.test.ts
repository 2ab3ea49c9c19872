import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib'
import LZString from 'lz-string'
import { describe, expect, it } from 'vitest'
import { batchBody, event, get, post, startTestServer } from './helpers.js'

describe('capture encodings', () => {
  it('stores a plain JSON batch sent to /batch/', async () => {
    const server = await startTestServer()
    const e = event('order completed', 'user-1', { total: 42 })
    const res = await post(server, '/batch/', batchBody([e]))
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ status: 1 })
    const [stored] = server.store.events.list()
    expect(stored).toMatchObject({ event: 'order completed', distinct_id: 'user-1', uuid: e.uuid, endpoint: '/batch/' })
    expect(stored!.properties).toEqual({ total: 42 })
  })

  it('stores a long batch in order, each event with its own properties (multi-row inserts and the rest)', async () => {
    const server = await startTestServer()
    // 123 = two 50-row inserts and 23 single ones; one event's properties are re-serialised.
    const events = Array.from({ length: 123 }, (_, i) => event(`e${i}`, `user-${i}`, { i, label: `n${i}` }))
    const body = batchBody(events) as { batch: Record<string, unknown>[] }
    body.batch[77]!.$set = { plan: 'pro' }
    const res = await post(server, '/batch/', body)
    expect(res.status).toBe(200)
    const stored = server.store.events.list({ limit: 200 }).reverse()
    expect(stored.map((e) => e.uuid)).toEqual(events.map((e) => e.uuid))
    expect(stored.map((e) => e.distinct_id)).toEqual(events.map((_, i) => `user-${i}`))
    expect(stored.map((e) => e.properties.i)).toEqual(events.map((_, i) => i))
    expect(stored[77]!.properties).toEqual({ i: 77, label: 'n77', $set: { plan: 'pro' } })
    expect(new Set(stored.map((e) => e.endpoint))).toEqual(new Set(['/batch/']))
    expect(stored.at(-1)!.id - stored[0]!.id).toBe(122)
  })

  it('stores concurrent large batches one after the other, each request in one run of ids', async () => {
    const server = await startTestServer()
    // Each body is over 1 MiB and holds several ingest transactions: both are parsed and
    // stored a slice per turn of the event loop, so without taking turns their slices interleave.
    const batches = ['a', 'b', 'c'].map((tag) =>
      Array.from({ length: 8000 }, (_, i) => event(`${tag}-event`, `${tag}-${i % 50}`, { i, note: 'x'.repeat(120) })),
    )
    // A refused request among them does not hold up the ones after it.
    const bodies = [batchBody(batches[0]!), batchBody([]), batchBody(batches[1]!), batchBody(batches[2]!)]
    const answers = await Promise.all(bodies.map((body) => post(server, '/batch/', body, { gzip: true })))
    expect(answers.map((a) => a.status)).toEqual([200, 400, 200, 200])
    // Every row in arrival order (the control API lists at most 10,000).
    const rows = server.store.db.prepare('SELECT event, properties FROM events ORDER BY id').all() as { event: string; properties: string }[]
    const stored = rows.map((r) => ({ event: r.event, properties: JSON.parse(r.properties) as { i: number } }))
    expect(stored).toHaveLength(24_000)
    // How many times the request changes along the ids: 2 when each request's events are contiguous.
    let changes = 0
    for (let k = 1; k < stored.length; k++) if (stored[k]!.event !== stored[k - 1]!.event) changes++
    expect(changes).toBe(2)
    for (const events of batches) {
      const ids = stored.filter((e) => e.event === events[0]!.event).map((e) => e.properties.i)
      expect(ids).toEqual(events.map((_, i) => i))
    }
  })

  it('gunzips a body marked Content-Encoding: gzip', async () => {
    const server = await startTestServer()
    const res = await post(server, '/batch', batchBody([event('a', 'u'), event('b', 'u')]), { gzip: true })
    expect(res.status).toBe(200)
    expect(server.store.events.count()).toBe(2)
  })

  it('sniffs gzip by its magic bytes when no header says so', async () => {
    const server = await startTestServer()
    const body = gzipSync(JSON.stringify(batchBody([event('sniffed', 'u')])))
    const res = await post(server, '/batch/', body, { headers: { 'content-type': 'text/plain' } })
    expect(res.status).toBe(200)
    expect(server.store.events.list()[0]!.event).toBe('sniffed')
  })

  it('inflates deflate and brotli bodies by Content-Encoding', async () => {
    const server = await startTestServer()
    const text = (name: string) => JSON.stringify(batchBody([event(name, 'u')]))
    expect((await post(server, '/batch/', deflateSync(text('deflated')), { headers: { 'content-encoding': 'deflate' } })).status).toBe(200)
    expect((await post(server, '/batch/', brotliCompressSync(text('brotli')), { headers: { 'content-encoding': 'br' } })).status).toBe(200)
    expect(server.store.events.list().map((e) => e.event)).toEqual(['brotli', 'deflated'])
  })

  it('gunzips when ?compression=gzip-js is given', async () => {
    const server = await startTestServer()
    const body = gzipSync(JSON.stringify([{ ...event('js', 'u'), token: 'phc_x' }]))
    const res = await post(server, '/e/', body, { query: '?compression=gzip-js', headers: { 'content-type': 'text/plain' } })
    expect(res.status).toBe(200)
    expect(server.store.events.list()[0]!.endpoint).toBe('/e/')
  })

  it('decodes lz64 bodies (?compression=lz64)', async () => {
    const server = await startTestServer()
    const text = LZString.compressToBase64(JSON.stringify({ ...event('lz', 'u-lz'), api_key: 'phc_x' }))
    const res = await post(server, '/i/v0/e/', text, { query: '?compression=lz64', headers: { 'content-type': 'text/plain' } })
    expect(res.status).toBe(200)
    expect(server.store.events.list()[0]).toMatchObject({ event: 'lz', distinct_id: 'u-lz' })
  })

  it('decodes plain base64 bodies on the legacy paths', async () => {
    const server = await startTestServer()
    const text = Buffer.from(JSON.stringify({ ...event('b64', 'u'), token: 'phc_x' })).toString('base64')
    const res = await post(server, '/capture/', text, { headers: { 'content-type': 'text/plain' } })
    expect(res.status).toBe(200)
    expect(server.store.events.list()[0]!.event).toBe('b64')
  })

  it('decodes form bodies with data= (base64 and lz64 inside)', async () => {
    const server = await startTestServer()
    const form = 'application/x-www-form-urlencoded'
    const b64 = Buffer.from(JSON.stringify([{ ...event('form-b64', 'u'), token: 'phc_x' }])).toString('base64')
    let res = await post(server, '/track/', `data=${encodeURIComponent(b64)}`, { headers: { 'content-type': form } })
    expect(res.status).toBe(200)
    const lz = LZString.compressToBase64(JSON.stringify({ ...event('form-lz', 'u'), token: 'phc_x' }))
    res = await post(server, '/engage/', `data=${encodeURIComponent(lz)}&compression=lz64`, { headers: { 'content-type': form } })
    expect(res.status).toBe(200)
    expect(server.store.events.list().map((e) => e.event)).toEqual(['form-lz', 'form-b64'])
  })

  it('accepts GET capture with ?data=', async () => {
    const server = await startTestServer()
    const data = Buffer.from(JSON.stringify({ ...event('get', 'u'), token: 'phc_x' })).toString('base64')
    const res = await get(server, `/e/?data=${encodeURIComponent(data)}`)
    expect(res.status).toBe(200)
    expect(server.store.events.list()[0]!.event).toBe('get')
  })

  it('answers 204 to ?beacon=1', async () => {
    const server = await startTestServer()
    const res = await post(server, '/e/', { ...event('beacon', 'u'), token: 'phc_x' }, { query: '?beacon=1' })
    expect(res.status).toBe(204)
    expect(server.store.events.count()).toBe(1)
  })

  it('takes an array body with one shared token, and the AI batch endpoint', async () => {
    const server = await startTestServer()
    const arr = [0, 1, 2].map((i) => ({ ...event('arr', `u${i}`), properties: { token: 'phc_x' } }))
    expect((await post(server, '/i/v0/e', arr)).status).toBe(200)
    const ai = event('$ai_generation', 'u', { $ai_model: 'gpt' })
    expect((await post(server, '/i/v0/ai/batch/', batchBody([ai]))).status).toBe(200)
    expect(server.store.events.list({ event: '$ai_generation' })[0]).toMatchObject({ uuid: ai.uuid, endpoint: '/i/v0/ai/batch/' })
    expect(server.store.events.count()).toBe(4)
  })

  it('moves top-level $set into properties and reads distinct_id from properties', async () => {
    const server = await startTestServer()
    const res = await post(server, '/batch/', batchBody([{ event: '$set', properties: { distinct_id: 7 }, $set: { plan: 'pro' } }]))
    expect(res.status).toBe(200)
    const [e] = server.store.events.list()
    expect(e!.distinct_id).toBe('7')
    expect(e!.properties.$set).toEqual({ plan: 'pro' })
    expect(server.store.persons.propertiesOf('7')).toEqual({ plan: 'pro' })
  })

  it('cuts distinct ids to 200 characters', async () => {
    const server = await startTestServer()
    await post(server, '/batch/', batchBody([event('long', 'x'.repeat(300))]))
    expect(server.store.events.list()[0]!.distinct_id).toHaveLength(200)
  })
})

describe('capture v1', () => {
  const v1Headers = (token = 'phc_x') => ({
    authorization: `Bearer ${token}`,
    'posthog-sdk-info': 'hoglet/0.1.0',
    'posthog-attempt': '1',
    'posthog-request-id': crypto.randomUUID(),
    'posthog-request-timestamp': new Date().toISOString(),
  })

  it('stores events and answers per-event results, echoing the request id', async () => {
    const server = await startTestServer()
    const e = { ...event('v1', 'u'), options: {}, session_id: 's1' }
    const headers = v1Headers()
    const res = await post(server, '/i/v1/analytics/events', { created_at: new Date().toISOString(), batch: [e] }, { headers, gzip: true })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ results: { [e.uuid as string]: { result: 'ok' } } })
    expect(res.headers.get('posthog-request-id')).toBe(headers['posthog-request-id'])
    expect(server.store.events.list()[0]!.properties.$session_id).toBe('s1')
  })

  it('refuses a missing Bearer token (401) and missing headers (400) with structured bodies', async () => {
    const server = await startTestServer()
    const body = { created_at: new Date().toISOString(), batch: [event('v1', 'u')] }
    const noAuth = await post(server, '/i/v1/analytics/events', body)
    expect(noAuth.status).toBe(401)
    expect(noAuth.body.error).toBe('missing_authorization')
    const noHeaders = await post(server, '/i/v1/analytics/events', body, { headers: { authorization: 'Bearer phc_x' } })
    expect(noHeaders.status).toBe(400)
    expect(noHeaders.body.error).toBe('missing_required_headers')
    expect(server.store.events.count()).toBe(0)
  })
})
