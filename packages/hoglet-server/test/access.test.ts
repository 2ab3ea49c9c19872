import { request } from 'node:http'
import { describe, expect, it } from 'vitest'
import type { RunningServer } from '../src/index.js'
import { batchBody, event, post, startTestServer } from './helpers.js'

/** A raw request, so `Host` and `Origin` can be anything (fetch will not forge them). */
function raw(server: RunningServer, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, method, path, headers: { host: `127.0.0.1:${server.port}`, ...headers } }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c) => (text += c))
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

describe('control API access', () => {
  it('needs the control token, in a header or the query, and nothing else opens it', async () => {
    const server = await startTestServer({ projectToken: 'phc_public_token' })
    const token = server.controlToken
    expect(token.length).toBeGreaterThanOrEqual(32)
    expect((await raw(server, 'GET', '/_hoglet/stats')).status).toBe(401)
    expect(JSON.parse((await raw(server, 'GET', '/_hoglet/stats')).body).code).toBe('control_token_required')
    expect((await raw(server, 'GET', '/_hoglet/stats', { authorization: `Bearer ${token}` })).status).toBe(200)
    expect((await raw(server, 'GET', '/_hoglet/stats', { 'x-hoglet-token': token })).status).toBe(200)
    expect((await raw(server, 'GET', `/_hoglet/stats?token=${encodeURIComponent(token)}`)).status).toBe(200)
    expect((await raw(server, 'GET', '/_hoglet/stats', { authorization: `Bearer ${token}x` })).status).toBe(401)
    // The project token is public by design: it does not open the control API.
    expect((await raw(server, 'GET', '/_hoglet/stats', { authorization: 'Bearer phc_public_token' })).status).toBe(401)
    expect((await raw(server, 'POST', '/_hoglet/reset')).status).toBe(401)
  })

  it('opens with the personal API key when one is configured, and with a chosen token', async () => {
    const server = await startTestServer({ personalApiKey: 'phx_configured_key', controlToken: 'chosen-control-token' })
    expect(server.controlToken).toBe('chosen-control-token')
    expect((await raw(server, 'GET', '/_hoglet/stats', { authorization: 'Bearer phx_configured_key' })).status).toBe(200)
    expect((await raw(server, 'GET', '/_hoglet/stats', { authorization: 'Bearer chosen-control-token' })).status).toBe(200)
    expect((await raw(server, 'GET', '/_hoglet/stats', { authorization: 'Bearer phx_other_key' })).status).toBe(401)
  })

  it('refuses a foreign Host (DNS rebinding) even with the token, and allows the configured ones', async () => {
    const server = await startTestServer({ allowedHosts: ['devbox.lan'] })
    const auth = server.controlHeaders()
    for (const host of ['evil.example', `evil.example:${server.port}`, 'localhost.evil.example', '127.0.0.1.nip.io']) {
      const res = await raw(server, 'GET', '/_hoglet/events', { ...auth, host })
      expect([host, res.status]).toEqual([host, 403])
    }
    for (const host of [`localhost:${server.port}`, `127.0.0.1:${server.port}`, `[::1]:${server.port}`, `DEVBOX.lan:${server.port}`]) {
      expect([host, (await raw(server, 'GET', '/_hoglet/events', { ...auth, host })).status]).toEqual([host, 200])
    }
    // The page too, and PostHog's own endpoints answer any Host (containers reach the server by other names).
    expect((await raw(server, 'GET', `/?token=${server.controlToken}`, { accept: 'text/html', host: 'evil.example' })).status).toBe(403)
    expect((await raw(server, 'POST', '/batch/', { host: 'host.docker.internal:8010', 'content-type': 'application/json' }, JSON.stringify(batchBody([event('x', 'u')])))).status).toBe(200)
  })

  it('refuses cross-origin browser requests whatever they carry; the own origin passes without the token', async () => {
    const server = await startTestServer()
    const own = `http://127.0.0.1:${server.port}`
    const auth = server.controlHeaders()
    for (const origin of ['http://evil.example', `http://127.0.0.1:${server.port + 1}`, `https://127.0.0.1:${server.port}`, 'null']) {
      const res = await raw(server, 'POST', '/_hoglet/reset', { ...auth, origin })
      expect([origin, res.status, JSON.parse(res.body).code]).toEqual([origin, 403, 'cross_origin_refused'])
    }
    for (const site of ['cross-site', 'same-site']) {
      expect((await raw(server, 'GET', '/_hoglet/events', { ...auth, 'sec-fetch-site': site })).status).toBe(403)
    }
    expect((await raw(server, 'GET', '/_hoglet/stats', { origin: own })).status).toBe(200)
    expect((await raw(server, 'GET', '/_hoglet/stats', { 'sec-fetch-site': 'same-origin' })).status).toBe(200)
    // A form post from the own origin is the page itself; one from elsewhere never reaches the handler.
    await post(server, '/batch/', batchBody([event('kept', 'u')]))
    await raw(server, 'POST', '/_hoglet/reset', { origin: 'http://evil.example', 'content-type': 'application/x-www-form-urlencoded' }, 'x=1')
    expect(server.store.events.count()).toBe(1)
  })

  it('sends no CORS headers on the control API and the page, and PostHog-style CORS on capture and /flags', async () => {
    const server = await startTestServer()
    const auth = server.controlHeaders()
    const control = await raw(server, 'GET', '/_hoglet/stats', auth)
    expect(control.headers['access-control-allow-origin']).toBeUndefined()
    const preflight = await raw(server, 'OPTIONS', '/_hoglet/flags', { origin: 'http://evil.example', 'access-control-request-method': 'PUT' })
    expect(preflight.status).toBe(403)
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined()
    const capture = await raw(server, 'OPTIONS', '/batch/', { origin: 'http://app.example', 'access-control-request-method': 'POST' })
    expect(capture.headers['access-control-allow-origin']).toBe('*')
    const flags = await raw(server, 'POST', '/flags?v=2', { origin: 'http://app.example' }, JSON.stringify({ token: 't', distinct_id: 'u' }))
    expect(flags.status).toBe(200)
    expect(flags.headers['access-control-allow-origin']).toBe('*')
  })

  it('answers a request target that is not a URL with 400', async () => {
    const server = await startTestServer()
    const { connect } = await import('node:net')
    const answer = await new Promise<string>((resolve) => {
      const s = connect(server.port, '127.0.0.1', () => s.write('GET http://[bad HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'))
      let text = ''
      s.on('data', (c) => (text += c))
      s.on('close', () => resolve(text))
      s.on('error', () => resolve(text))
      setTimeout(() => s.end(), 500)
    })
    expect(answer).toMatch(/^HTTP\/1\.1 400/)
  })
})
