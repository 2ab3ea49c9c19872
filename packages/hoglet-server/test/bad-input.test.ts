import { describe, expect, it } from 'vitest'
import { batchBody, event, post, startTestServer } from './helpers.js'

describe('bad capture input gets the documented status and the server keeps serving', () => {
  const cases: Array<[string, unknown, number, string, Record<string, string>?]> = [
    ['malformed JSON', '{"api_key": "phc_x", "batch": [', 400, 'invalid_json'],
    ['an empty batch', batchBody([]), 400, 'empty_batch'],
    ['an event without a name', batchBody([{ distinct_id: 'u', properties: {} }]), 400, 'missing_event_name'],
    ['an event without a distinct id', batchBody([{ event: 'x', properties: {} }]), 400, 'missing_distinct_id'],
    ['an invalid uuid', batchBody([{ ...event('x', 'u'), uuid: 'not-a-uuid' }]), 400, 'invalid_uuid'],
    ['an invalid timestamp', batchBody([{ ...event('x', 'u'), timestamp: 'yesterday-ish' }]), 400, 'invalid_timestamp'],
    ['events with different tokens', [{ ...event('x', 'u'), token: 'a' }, { ...event('y', 'u'), token: 'b' }], 400, 'unroutable_events'],
    ['a missing token', { batch: [event('x', 'u')] }, 401, 'ingest_key_required'],
    ['a personal API key as token', batchBody([event('x', 'u')], 'phx_secret'), 403, 'ingest_key_unknown'],
    ['a body that claims gzip but is not', '{"not":"gzip"}', 400, 'invalid_payload', { 'content-encoding': 'gzip' }],
    ['an unknown content encoding', '{}', 415, 'unsupported_encoding', { 'content-encoding': 'snappy' }],
  ]

  for (const [name, body, status, code, headers] of cases) {
    it(`answers ${status} to ${name}`, async () => {
      const server = await startTestServer()
      const res = await post(server, '/batch/', body, { headers })
      expect(res.status).toBe(status)
      expect(res.body).toMatchObject({ status, code })
      expect(server.store.events.count()).toBe(0)
      // The same connection pool still gets served.
      expect((await post(server, '/batch/', batchBody([event('after', 'u')]))).status).toBe(200)
      expect(server.store.events.count()).toBe(1)
    })
  }

  it('answers 413 to a body over the 2 MiB single-event cap, and to gzip that inflates past it', async () => {
    const server = await startTestServer()
    const big = { ...event('big', 'u'), token: 'phc_x', properties: { blob: 'x'.repeat(2 * 1024 * 1024 + 10) } }
    const res = await post(server, '/i/v0/e/', big)
    expect(res.status).toBe(413)
    expect(res.body.code).toBe('payload_too_large')
    const bomb = await post(server, '/e/', big, { gzip: true })
    expect(bomb.status).toBe(413)
    expect((await post(server, '/e/', { ...event('small', 'u'), token: 'phc_x' })).status).toBe(200)
    expect(server.store.events.list().map((e) => e.event)).toEqual(['small'])
  })

  it('answers 413 to a batch over 20 MiB without reading it whole', async () => {
    const server = await startTestServer()
    const res = await post(server, '/batch/', '{"api_key":"x","batch":[' + ' '.repeat(21 * 1024 * 1024) + ']}')
    expect(res.status).toBe(413)
    expect((await post(server, '/batch/', batchBody([event('after', 'u')]))).status).toBe(200)
  })

  it('answers 400 to bodies that are not in the encoding the query names', async () => {
    const server = await startTestServer()
    const text = { 'content-type': 'text/plain' }
    const lz = await post(server, '/e/', 'this is not lz-string output!', { query: '?compression=lz64', headers: text })
    expect(lz.status).toBe(400)
    expect(lz.body.code).toBe('invalid_payload')
    const gz = await post(server, '/e/', '{"event":"x"}', { query: '?compression=gzip-js', headers: text })
    expect(gz.status).toBe(400)
    const form = await post(server, '/e/', 'nodata=1', { headers: { 'content-type': 'application/x-www-form-urlencoded' } })
    expect(form.status).toBe(400)
    const b64 = await post(server, '/e/', 'bm90IGpzb24=', { headers: text })
    expect(b64.body.code).toBe('invalid_json')
    expect((await post(server, '/e/', { ...event('fine', 'u'), token: 'k' })).status).toBe(200)
    expect(server.store.events.count()).toBe(1)
  })

  it('reports each refused request through the logger', async () => {
    const warnings: string[] = []
    const server = await startTestServer({ logger: { info() {}, error() {}, warn: (m) => warnings.push(m) } })
    await post(server, '/batch/', batchBody([{ event: 'x', properties: {} }]))
    expect(warnings).toEqual(['POST /batch: 400 missing_distinct_id: event 0 has no `distinct_id`'])
  })

  it('rejects a wrong project token when one is configured', async () => {
    const server = await startTestServer({ projectToken: 'phc_right' })
    expect((await post(server, '/batch/', batchBody([event('x', 'u')], 'phc_wrong'))).status).toBe(403)
    expect((await post(server, '/batch/', batchBody([event('x', 'u')], 'phc_right'))).status).toBe(200)
  })

  it('stores nothing from a batch that has one bad event', async () => {
    const server = await startTestServer()
    const res = await post(server, '/batch/', batchBody([event('good', 'u'), { event: '', distinct_id: 'u' }]))
    expect(res.status).toBe(400)
    expect(server.store.events.count()).toBe(0)
  })

  it('answers 404 for unknown paths and 405 for wrong methods', async () => {
    const server = await startTestServer()
    expect((await fetch(`${server.url}/nope`)).status).toBe(404)
    expect((await fetch(`${server.url}/i/v0/ai/batch/`)).status).toBe(405)
  })
})

describe('clients that misbehave at the connection level', () => {
  it('keeps serving after a client drops the connection halfway through a body', async () => {
    const { connect } = await import('node:net')
    const server = await startTestServer()
    const socket = connect(server.port, '127.0.0.1')
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()))
    socket.write('POST /batch/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"api_key":"k","batch":[')
    await new Promise((r) => setTimeout(r, 50))
    socket.destroy()
    expect((await post(server, '/batch/', batchBody([event('after', 'u')]))).status).toBe(200)
    expect(server.store.events.list().map((e) => e.event)).toEqual(['after'])
    // The dropped request is logged as refused once its body read gives up.
    await expect.poll(() => server.requests('/batch')[0]?.status).toBe(400)
  })
})
