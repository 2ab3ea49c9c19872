import { gzipSync } from 'node:zlib'
import { afterEach, describe, expect, it } from 'vitest'
import { createTestServer, type TestServer } from './helpers/test-server.js'

describe('the loopback test server', () => {
  let server: TestServer
  afterEach(() => server?.close())

  it('records a gzipped JSON body decoded, and answers queued responses before the route', async () => {
    server = await createTestServer()
    server.route('/batch', { status: 200, body: { status: 1 } })
    server.enqueue('/batch', { status: 503, headers: { 'retry-after': '1' } })
    const first = await fetch(`${server.url}/batch/`, {
      method: 'POST',
      headers: { 'content-encoding': 'gzip' },
      body: gzipSync(JSON.stringify({ api_key: 'k', batch: [] })),
    })
    const second = await fetch(`${server.url}/batch/?x=1`, { method: 'POST', body: '{}' })
    expect(first.status).toBe(503)
    expect(first.headers.get('retry-after')).toBe('1')
    expect(second.status).toBe(200)
    expect(server.requests).toHaveLength(2)
    expect(server.requests[0].json).toEqual({ api_key: 'k', batch: [] })
    expect(server.requests[1].query.get('x')).toBe('1')
  })
})
