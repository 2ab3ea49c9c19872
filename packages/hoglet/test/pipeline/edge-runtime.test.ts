import { gunzipSync } from 'node:zlib'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { PostHog } from '../../src/edge.js'
import { webRuntime } from '../../src/runtime/web.js'
import { silentLogger } from '../../src/logger.js'
import { createTestServer, type TestServer } from '../helpers/test-server.js'
import { receivedEvents } from '../helpers/client.js'

let server: TestServer
beforeEach(async () => {
  server = await createTestServer()
})
afterEach(async () => {
  await server.close()
})

describe('edge entry (web-standard runtime)', () => {
  it('gzips with CompressionStream into a body node:zlib can read', async () => {
    const text = JSON.stringify({ hello: 'wörld', n: [1, 2, 3] })
    const zipped = await webRuntime.gzip!(new TextEncoder().encode(text))
    expect(zipped[0]).toBe(0x1f)
    expect(gunzipSync(zipped).toString('utf8')).toBe(text)
  })

  it('captures, gzips and delivers the same wire events as the Node entry', async () => {
    const client = new PostHog('phc_edge', { host: server.url, logger: silentLogger, flushInterval: 0 })
    expect(client.runtime.name).toBe('edge')
    client.capture({ distinctId: 'u', event: 'from-edge', properties: { a: 1 } })
    await client.shutdown()
    const [request] = server.requestsTo('/batch/')
    expect(request.headers['content-encoding']).toBe('gzip')
    expect(receivedEvents(server)).toEqual([
      expect.objectContaining({ event: 'from-edge', uuid: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/), properties: expect.objectContaining({ a: 1, $lib: 'hoglet' }) }),
    ])
  })
})
