import { gunzipSync } from 'node:zlib'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
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

  it('warns once about an unknown option, with the nearest name, once the warnings code has loaded', async () => {
    const warnings: string[] = []
    const logger = { ...silentLogger, warn: (message: string) => void warnings.push(message) }
    const client = new PostHog('phc_edge', { host: server.url, logger, flushInterval: 0, flushInteval: 10 } as never)
    await vi.waitFor(() => expect(warnings).toEqual(['Unknown option `flushInteval` is ignored; did you mean `flushInterval`?']))
    // A second client finds the code loaded and warns during construction.
    new PostHog('phc_edge', { host: server.url, logger, flushInterval: 0, metrics: {} } as never)
    expect(warnings).toHaveLength(2)
    expect(warnings[1]).toMatch(/^The `metrics` option is ignored: the metrics API/)
    await client.shutdown()
  })
})
