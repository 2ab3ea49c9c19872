import { beforeAll, describe, expect, it } from 'vitest'
import { crc32 as zlibCrc32, gunzipSync } from 'node:zlib'
import { randomBytes } from 'node:crypto'
import { PostHog, uuidv7, type PostHogOptions } from '../../src/index.js'
import { crc32 } from '../../src/pipeline/crc32.js'
import { packedGzipBody, wireBlock, wireBlockTexts } from '../../src/pipeline/packing.js'
import { batchEnvelope } from '../../src/pipeline/batch-envelope.js'
import { loadPacking, packing } from '../../src/pipeline/packed-batch.js'
import { nodeRuntime } from '../../src/runtime/node.js'
import { VERSION } from '../../src/version.js'
import { createTestServer, type RecordedRequest } from '../helpers/test-server.js'
import { clientFor, serverPerTest } from '../helpers/client.js'
import { expectStatsIdentity } from '../helpers/stats-identity.js'

const compactor = nodeRuntime.compactor!
const encoder = new TextEncoder()

const envelope = batchEnvelope('phc_x', false)

describe('CRC-32 for assembled gzip bodies', () => {
  it('matches zlib, and continues from the CRC of what came before', () => {
    for (const length of [0, 1, 7, 1000, 70_000]) {
      const a = randomBytes(length)
      const b = randomBytes((length * 7) % 5000)
      expect(crc32(a)).toBe(zlibCrc32(a))
      expect(crc32(b, zlibCrc32(a))).toBe(zlibCrc32(Buffer.concat([a, b])))
    }
  })
})

describe('packed batches', () => {
  const texts = Array.from({ length: 100 }, (_, i) => JSON.stringify({ uuid: `id-${i}`, event: 'é vent', properties: { i, s: '日本'.repeat(i % 5) } }))

  it('builds a single-member gzip body that inflates to the envelope around the events', () => {
    const block = wireBlock(texts, envelope, compactor.pack!, Number.POSITIVE_INFINITY)!
    const body = packedGzipBody(block, encoder.encode('2026-12-01T00:00:00.000Z"}'))
    // gunzipSync checks the trailer's CRC-32 and length.
    const text = gunzipSync(body).toString('utf8')
    expect(text).toBe(`{"api_key":"phc_x","batch":[${texts.join(',')}],"sent_at":"2026-12-01T00:00:00.000Z"}`)
    expect(JSON.parse(text).batch).toHaveLength(100)
  })

  it('gives back each event text of a block', () => {
    expect(wireBlockTexts(wireBlock(texts, envelope, compactor.pack!, Number.POSITIVE_INFINITY)!, compactor.inflate)).toEqual(texts)
  })

  it('leaves to the memory compaction a batch whose events are over the request cap', () => {
    const bytes = Buffer.byteLength(envelope.opening + texts.join(',') + envelope.closing)
    expect(wireBlock(texts, envelope, compactor.pack!, bytes)).toBeDefined()
    expect(wireBlock(texts, envelope, compactor.pack!, bytes - 1)).toBeUndefined()
  })
})

/** A packed body ends with the send time in a stored block, readable in the raw bytes before the trailer; zlib's gzip of JSON never leaves it so. */
const isPacked = (request: RecordedRequest): boolean => request.rawBody.subarray(-11, -8).toString('latin1') === 'Z"}'

describe('a backlog sent while the lane is sending', () => {
  // What loads with the first compaction of a lane that is sending.
  beforeAll(() => loadPacking())
  const { server, client: make } = serverPerTest()

  const timestamp = new Date(Date.UTC(2026, 11, 1, 12, 0, 0, 5))
  function captureBacklog(client: PostHog, count: number): string[] {
    const uuids: string[] = []
    for (let i = 0; i < count; i++) {
      const uuid = uuidv7()
      uuids.push(uuid)
      client.capture({ distinctId: `user-${i % 7}`, event: i % 3 ? 'page viewed' : 'ünïcode ✓', uuid, timestamp, properties: { i, path: `/p/${i}` } })
    }
    return uuids
  }
  function expectDelivered(uuids: string[], unanswered?: RecordedRequest): void {
    const events = server.requestsTo('/batch/').filter((r) => r !== unanswered).flatMap((r) => r.json.batch as any[])
    expect(events.map((e) => e.uuid).sort()).toEqual([...uuids].sort())
    const byUuid = new Map(events.map((e) => [e.uuid, e]))
    uuids.forEach((uuid, i) => {
      expect(byUuid.get(uuid)).toEqual({
        uuid,
        event: i % 3 ? 'page viewed' : 'ünïcode ✓',
        distinct_id: `user-${i % 7}`,
        properties: { i, path: `/p/${i}`, $lib: 'hoglet', $lib_version: VERSION, $is_server: true, $geoip_disable: true },
        timestamp: timestamp.toISOString(),
      })
    })
  }

  /** Captures a backlog of `count` events, flushes it and checks every event arrived as captured. */
  async function deliverBacklog(count: number, options: PostHogOptions = {}): Promise<{ client: PostHog; batches: RecordedRequest[] }> {
    const client = make({ flushAt: 20, maxBatchSize: 100, ...options })
    const uuids = captureBacklog(client, count)
    await client.flush()
    expectDelivered(uuids)
    return { client, batches: server.requestsTo('/batch/') }
  }

  it('packs a large backlog over several turns of the event loop (1,600 events a turn), all of it', async () => {
    const { client, batches } = await deliverBacklog(5000)
    expect(batches.map((r) => r.json.batch.length)).toEqual(Array(50).fill(100))
    // One turn packs 16 batches of 100; more packed requests means compaction went on in later turns.
    expect(batches.filter(isPacked).length).toBeGreaterThan(16)
    expectStatsIdentity(client.stats())
  })

  it('sends whole batches compressed once, with the same events and batching', async () => {
    const { client, batches } = await deliverBacklog(1000)
    expect(batches.map((r) => r.json.batch.length)).toEqual(Array(10).fill(100))
    expect(batches.filter(isPacked).length).toBeGreaterThan(0)
    for (const r of batches) expect(Object.keys(r.json)).toEqual(['api_key', 'batch', 'sent_at'])
    expectStatsIdentity(client.stats())
    expect(client.stats().delivered).toBe(1000)
  })

  it('keeps historical_migration in packed bodies', async () => {
    const { batches } = await deliverBacklog(600, { historicalMigration: true })
    expect(batches.filter(isPacked).length).toBeGreaterThan(0)
    for (const r of batches) expect(Object.keys(r.json)).toEqual(['api_key', 'batch', 'historical_migration', 'sent_at'])
    for (const r of batches) expect(r.json.historical_migration).toBe(true)
  })

  it('retries a packed batch with the same events', async () => {
    const failed = new Set<string>()
    server.route('/batch/', (r) => {
      const first = r.json.batch[0].uuid as string
      if (isPacked(r) && !failed.has(first)) {
        failed.add(first)
        return { status: 503 }
      }
      return { status: 200, body: { status: 1 } }
    })
    const client = make({ flushAt: 20, maxBatchSize: 100 })
    const uuids = captureBacklog(client, 600)
    await client.flush()
    expect(failed.size).toBeGreaterThan(0)
    const delivered = server.requestsTo('/batch/').filter((r) => !failed.has(r.json.batch[0].uuid) || isPacked(r))
    expect(delivered.length).toBeGreaterThan(0)
    // Every failed batch came again whole: the delivered events are each uuid once.
    const once = new Map<string, any>()
    for (const r of server.requestsTo('/batch/')) for (const e of r.json.batch) once.set(e.uuid, e)
    expect([...once.keys()].sort()).toEqual([...uuids].sort())
    expect(client.stats().delivered).toBe(600)
    expect(client.stats().retried).toBe(failed.size)
    expectStatsIdentity(client.stats())
  })

  it('halves a packed batch the server refuses as too large (413)', async () => {
    server.route('/batch/', (r) => (r.json.batch.length > 50 && isPacked(r) ? { status: 413 } : { status: 200, body: { status: 1 } }))
    const client = make({ flushAt: 20, maxBatchSize: 100 })
    const uuids = captureBacklog(client, 600)
    await client.flush()
    const accepted = server.requestsTo('/batch/').filter((r) => !(r.json.batch.length > 50 && isPacked(r)))
    const sizes = accepted.map((r) => r.json.batch.length)
    expect(sizes).toContain(50)
    expect(accepted.flatMap((r) => r.json.batch.map((e: any) => e.uuid)).sort()).toEqual([...uuids].sort())
    expect(client.stats().delivered).toBe(600)
    expectStatsIdentity(client.stats())
  })

  it('holds a packed batch after a network failure and sends it with the next flush', async () => {
    let cut = 0
    let unanswered: RecordedRequest | undefined
    server.route('/batch/', (r) => {
      if (isPacked(r) && cut === 0) {
        cut++
        unanswered = r
        return { reset: true }
      }
      return { status: 200, body: { status: 1 } }
    })
    const client = make({ flushAt: 20, maxBatchSize: 100, fetchRetryCount: 0 })
    const uuids = captureBacklog(client, 600)
    await client.flush()
    expect(cut).toBe(1)
    expect(client.stats().queued).toBe(100)
    expectStatsIdentity(client.stats())
    await client.flush()
    expectDelivered(uuids, unanswered)
    expect(client.stats().delivered).toBe(600)
    expectStatsIdentity(client.stats())
  })

  it('emits the delivered events of a packed batch on `flush`', async () => {
    const client = make({ flushAt: 20, maxBatchSize: 100 })
    const seen: string[] = []
    client.on('flush', (events: any) => seen.push(...events.map((e: any) => e.uuid)))
    const uuids = captureBacklog(client, 600)
    await client.flush()
    expect(server.requestsTo('/batch/').filter(isPacked).length).toBeGreaterThan(0)
    expect(seen.sort()).toEqual([...uuids].sort())
  })
})

describe('the packing module', () => {
  it('is loaded by the first compaction of a sending lane, and then used', async () => {
    // Whether an earlier test file in this worker loaded it already or not, a second backlog is packed.
    const server = await createTestServer()
    const client = clientFor(server, { flushAt: 20, maxBatchSize: 100 })
    try {
      for (let round = 0; round < 2; round++) {
        for (let i = 0; i < 600; i++) client.capture({ distinctId: 'u', event: `e${round}-${i}` })
        await client.flush()
      }
      expect(packing()).toBeDefined()
      const batches = server.requestsTo('/batch/')
      expect(batches.filter(isPacked).length).toBeGreaterThan(0)
      expect(batches.flatMap((r) => r.json.batch.map((e: any) => e.event))).toHaveLength(1200)
      expect(batches.map((r) => r.json.batch.length)).toEqual(Array(12).fill(100))
    } finally {
      await client.shutdown(2000)
      await server.close()
    }
  })
})
