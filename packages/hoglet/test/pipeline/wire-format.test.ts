import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { VERSION } from '../../src/index.js'
import { PostHog as PostHogCore } from '../../src/client.js'
import { nodeRuntime } from '../../src/runtime/node.js'
import { silentLogger } from '../../src/logger.js'
import { createTestServer, type TestServer } from '../helpers/test-server.js'
import { clientFor, receivedEvents } from '../helpers/client.js'

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

let server: TestServer
beforeEach(async () => {
  server = await createTestServer()
})
afterEach(async () => {
  await server.close()
})

describe('wire format of POST /batch/', () => {
  it('sends the exact envelope, event fields and library properties', async () => {
    const client = clientFor(server)
    client.capture({ distinctId: 'user-1', event: 'order completed', properties: { total: 42, items: ['a'] } })
    await client.flush()

    const [request] = server.requestsTo('/batch/')
    expect(request.method).toBe('POST')
    expect(request.path).toBe('/batch/')
    expect(request.headers['content-type']).toBe('application/json')
    expect(request.headers['content-encoding']).toBe('gzip')
    expect(request.headers['user-agent']).toBe(`hoglet/${VERSION}`)
    expect(request.rawBody[0]).toBe(0x1f) // gzip magic on the wire
    expect(Object.keys(request.json).sort()).toEqual(['api_key', 'batch', 'sent_at'])
    expect(request.json.api_key).toBe('phc_test')
    expect(request.json.sent_at).toMatch(ISO_UTC)
    expect(request.json.batch).toEqual([
      {
        event: 'order completed',
        distinct_id: 'user-1',
        properties: {
          total: 42,
          items: ['a'],
          $lib: 'hoglet',
          $lib_version: VERSION,
          $is_server: true,
          $geoip_disable: true,
        },
        timestamp: expect.stringMatching(ISO_UTC),
        uuid: expect.stringMatching(UUID_V7),
      },
    ])
    await client.shutdown()
  })

  it('converts a caller timestamp to UTC ISO-8601 and keeps a caller uuid', async () => {
    const client = clientFor(server)
    const uuid = '0190a6b2-1c3d-7e4f-8a9b-0c1d2e3f4a5b'
    client.capture({ distinctId: 7, event: 'e', timestamp: new Date('2024-03-01T12:00:00+02:00'), uuid })
    client.capture({ distinctId: 'u', event: 'e2', timestamp: '2024-03-01T00:00:00-05:00' })
    await client.flush()
    const [first, second] = receivedEvents(server)
    expect(first.uuid).toBe(uuid)
    expect(first.distinct_id).toBe('7')
    expect(first.timestamp).toBe('2024-03-01T10:00:00.000Z')
    expect(second.timestamp).toBe('2024-03-01T05:00:00.000Z')
  })

  it('omits $geoip_disable when geoip is enabled, per client or per call', async () => {
    const client = clientFor(server, { disableGeoip: false })
    client.capture({ distinctId: 'u', event: 'a' })
    client.capture({ distinctId: 'u', event: 'b', disableGeoip: true })
    await client.flush()
    const [a, b] = receivedEvents(server)
    expect(a.properties).not.toHaveProperty('$geoip_disable')
    expect(b.properties.$geoip_disable).toBe(true)

    const other = clientFor(server)
    other.capture({ distinctId: 'u', event: 'c', disableGeoip: false })
    await other.flush()
    expect(receivedEvents(server)[2].properties).not.toHaveProperty('$geoip_disable')
  })

  it('sends historical_migration only when the option is set', async () => {
    const plain = clientFor(server)
    plain.capture({ distinctId: 'u', event: 'a' })
    await plain.flush()
    const migrating = clientFor(server, { historicalMigration: true })
    migrating.capture({ distinctId: 'u', event: 'b' })
    await migrating.flush()
    const [first, second] = server.requestsTo('/batch/')
    expect(first.json).not.toHaveProperty('historical_migration')
    expect(second.json.historical_migration).toBe(true)
  })

  it('sends plain JSON with disableCompression', async () => {
    const client = clientFor(server, { disableCompression: true })
    client.capture({ distinctId: 'u', event: 'plain' })
    await client.flush()
    const [request] = server.requestsTo('/batch/')
    expect(request.headers['content-encoding']).toBeUndefined()
    expect(JSON.parse(request.rawBody.toString('utf8')).batch[0].event).toBe('plain')
  })

  it('falls back to an uncompressed body when the runtime cannot compress', async () => {
    const failing = { ...nodeRuntime, gzip: () => Promise.reject(new Error('no compressor')) }
    const client = new PostHogCore('phc_test', { host: server.url, logger: silentLogger, flushInterval: 0 }, failing)
    client.capture({ distinctId: 'u', event: 'uncompressed' })
    await client.flush()
    const [request] = server.requestsTo('/batch/')
    expect(request.headers['content-encoding']).toBeUndefined()
    expect(JSON.parse(request.rawBody.toString('utf8')).batch[0].event).toBe('uncompressed')
    await client.shutdown()
  })

  it('sends groups as $groups', async () => {
    const client = clientFor(server)
    client.capture({ distinctId: 'u', event: 'e', groups: { company: 'acme', project: 42 } })
    await client.flush()
    expect(receivedEvents(server)[0].properties.$groups).toEqual({ company: 'acme', project: 42 })
  })

  it('trims whitespace and a trailing slash from host', async () => {
    const client = clientFor(server, { host: `  ${server.url}/ ` })
    client.capture({ distinctId: 'u', event: 'e' })
    await client.flush()
    expect(server.requestsTo('/batch/')).toHaveLength(1)
  })
})
