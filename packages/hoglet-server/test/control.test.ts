import { describe, expect, it } from 'vitest'
import { batchBody, event, get, post, startTestServer } from './helpers.js'

describe('control API', () => {
  it('lists and clears events, filtered by name and distinct id', async () => {
    const server = await startTestServer()
    await post(server, '/batch/', batchBody([event('a', 'u1'), event('b', 'u2'), event('a', 'u2')]))
    expect((await get(server, '/_hoglet/events')).body.results.map((e: { event: string }) => e.event)).toEqual(['a', 'b', 'a'])
    expect((await get(server, '/_hoglet/events?event=a&distinct_id=u2')).body.results).toHaveLength(1)
    const stats = (await get(server, '/_hoglet/stats')).body
    expect(stats).toMatchObject({ events: 3, persons: 2 })
    expect((await fetch(`${server.url}/_hoglet/events`, { headers: server.controlHeaders(), method: 'DELETE' })).status).toBe(200)
    expect((await get(server, '/_hoglet/events')).body.results).toEqual([])
  })

  it('records API requests with their decoded bodies, and clears them', async () => {
    const server = await startTestServer()
    await post(server, '/batch/', batchBody([event('recorded', 'u')]), { gzip: true })
    await post(server, '/flags', { token: 't', distinct_id: 'u' }, { query: '?v=2' })
    const all = (await get(server, '/_hoglet/requests')).body.results
    expect(all.map((r: { path: string }) => r.path)).toEqual(['/batch', '/flags'])
    expect(all[0]).toMatchObject({ method: 'POST', status: 200 })
    expect(JSON.parse(all[0].body).batch[0].event).toBe('recorded')
    expect(all[0].headers['content-encoding']).toBe('gzip')
    expect(all[1].query).toEqual({ v: '2' })
    expect((await get(server, '/_hoglet/requests?path=/flags')).body.results).toHaveLength(1)
    await fetch(`${server.url}/_hoglet/requests`, { headers: server.controlHeaders(), method: 'DELETE' })
    expect((await get(server, '/_hoglet/requests')).body.results).toEqual([])
  })

  it('refuses invalid flag definitions with 400 and keeps the old ones', async () => {
    const server = await startTestServer()
    await fetch(`${server.url}/_hoglet/flags`, { headers: server.controlHeaders(), method: 'PUT', body: JSON.stringify({ flags: [{ key: 'kept' }] }) })
    const bad = await fetch(`${server.url}/_hoglet/flags`, { headers: server.controlHeaders(), method: 'PUT', body: JSON.stringify({ flags: [{ nokey: true }] }) })
    expect(bad.status).toBe(400)
    expect((await bad.json()).error).toContain('key')
    expect((await get(server, '/_hoglet/flags')).body.flags.map((f: { key: string }) => f.key)).toEqual(['kept'])
  })

  it('evaluates flags for a distinct id with stored properties (the page\'s box)', async () => {
    const server = await startTestServer()
    await fetch(`${server.url}/_hoglet/flags`, {
      headers: server.controlHeaders(),
      method: 'PUT',
      body: JSON.stringify({ flags: [{ key: 'pro', filters: { groups: [{ properties: [{ key: 'plan', type: 'person', operator: 'exact', value: 'pro' }] }] } }] }),
    })
    await post(server, '/batch/', batchBody([event('$set', 'u1', { $set: { plan: 'pro' } })]))
    const res = await post(server, '/_hoglet/flags/evaluate', { distinct_id: 'u1' })
    expect(res.body.flags[0]).toMatchObject({ key: 'pro', enabled: true, reason: { code: 'condition_match' } })
  })

  it('resets everything', async () => {
    const server = await startTestServer()
    await post(server, '/batch/', batchBody([event('a', 'u1')]))
    await post(server, '/_hoglet/reset', {})
    expect((await get(server, '/_hoglet/stats')).body).toMatchObject({ events: 0, persons: 0 })
    expect((await get(server, '/_hoglet/requests')).body.results).toEqual([])
  })
})

describe('fault injection', () => {
  it('answers queued statuses with Retry-After, then serves normally', async () => {
    const server = await startTestServer()
    const q = await post(server, '/_hoglet/faults', [{ path: '/batch', status: 503, retryAfter: 2 }, { path: '/batch', status: 429, times: 2 }])
    expect(q.status).toBe(200)
    const first = await post(server, '/batch/', batchBody([event('x', 'u')]))
    expect(first.status).toBe(503)
    expect(first.headers.get('retry-after')).toBe('2')
    expect((await post(server, '/batch/', batchBody([event('x', 'u')]))).status).toBe(429)
    expect((await post(server, '/batch/', batchBody([event('x', 'u')]))).status).toBe(429)
    expect((await post(server, '/batch/', batchBody([event('x', 'u')]))).status).toBe(200)
    expect(server.store.events.count()).toBe(1)
    const recorded = server.requests('/batch')
    expect(recorded.map((r) => r.status)).toEqual([503, 429, 429, 200])
    expect(recorded[0]!.fault).toBe('status 503')
  })

  it('applies faults only to their path', async () => {
    const server = await startTestServer()
    server.injectFaults({ path: '/flags', status: 502 })
    expect((await post(server, '/batch/', batchBody([event('x', 'u')]))).status).toBe(200)
    expect((await post(server, '/flags/', { token: 't', distinct_id: 'u' }, { query: '?v=2' })).status).toBe(502)
    expect((await post(server, '/flags/', { token: 't', distinct_id: 'u' }, { query: '?v=2' })).status).toBe(200)
  })

  it('delays, then handles the request normally', async () => {
    const server = await startTestServer()
    server.injectFaults({ path: '/batch', delayMs: 300 })
    const started = Date.now()
    expect((await post(server, '/batch/', batchBody([event('slow', 'u')]))).status).toBe(200)
    expect(Date.now() - started).toBeGreaterThanOrEqual(290)
    expect(server.store.events.count()).toBe(1)
  })

  it('resets the connection', async () => {
    const server = await startTestServer()
    server.injectFaults({ path: '/batch', reset: true })
    await expect(post(server, '/batch/', batchBody([event('x', 'u')]))).rejects.toThrow()
    expect(server.store.events.count()).toBe(0)
    expect((await post(server, '/batch/', batchBody([event('x', 'u')]))).status).toBe(200)
  })

  it('refuses a malformed fault with 400', async () => {
    const server = await startTestServer()
    expect((await post(server, '/_hoglet/faults', { status: 99 })).status).toBe(400)
    expect((await post(server, '/_hoglet/faults', { path: '/batch' })).status).toBe(400)
    expect((await get(server, '/_hoglet/faults')).body.results).toEqual([])
  })
})

describe('web page routes', () => {
  it('serves the page to browsers and a health answer to everything else at /', async () => {
    const server = await startTestServer()
    const html = { accept: 'text/html,application/xhtml+xml' }
    const page = await fetch(server.pageUrl, { headers: html })
    expect(page.headers.get('content-type')).toContain('text/html')
    expect(await page.text()).toContain('<title>hoglet-server</title>')
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
    expect(page.headers.get('x-frame-options')).toBe('DENY')
    expect(page.headers.get('x-content-type-options')).toBe('nosniff')
    expect(page.headers.get('access-control-allow-origin')).toBeNull()
    // Without the token the page is a pointer to the address hoglet-server printed.
    const bare = await fetch(`${server.url}/`, { headers: html })
    expect(bare.status).toBe(401)
    expect(await bare.text()).not.toContain('/assets/app.js')
    expect((await get(server, '/')).body).toEqual({ status: 'ok' })
    expect((await get(server, '/_health')).body).toEqual({ status: 'ok' })
    const script = await fetch(`${server.url}/assets/app.js`)
    expect(script.headers.get('content-type')).toContain('javascript')
    // The script must parse: a syntax error would leave the page empty.
    const code = await script.text()
    expect(() => new Function(code)).not.toThrow()
  })

  it('pushes a live message after events are stored', async () => {
    const server = await startTestServer()
    const controller = new AbortController()
    const res = await fetch(`${server.url}/_hoglet/stream`, { headers: server.controlHeaders(), signal: controller.signal })
    expect(res.headers.get('content-type')).toBe('text/event-stream')
    const reader = res.body!.getReader()
    await reader.read() // the `retry:` preamble, sent on connect
    await post(server, '/batch/', batchBody([event('a', 'u'), event('b', 'u')]))
    let text = ''
    while (!text.includes('data:')) text += new TextDecoder().decode((await reader.read()).value)
    expect(JSON.parse(text.slice(text.indexOf('data:') + 5).split('\n')[0]!)).toEqual({ type: 'events', lastId: 2, added: 2 })
    controller.abort()
  })
})

describe('control API input', () => {
  it('refuses non-numeric limits with 400 instead of failing inside SQLite', async () => {
    const server = await startTestServer()
    const res = await get(server, '/_hoglet/events?limit=lots')
    expect(res.status).toBe(400)
    expect(res.body.code).toBe('invalid_parameter')
    expect((await get(server, '/_hoglet/events?limit=1')).status).toBe(200)
  })
})
