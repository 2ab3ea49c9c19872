import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { RunningServer } from '../src/index.js'
import { compressToBase64, decompressFromBase64 } from '../src/index.js'
import { batchBody, event, get, post, startTestServer } from './helpers.js'

const MIB = 1024 * 1024
/** Before the guards, these requests held the loop 15 s and more (or the process died). */
const HANG_MS = 5000

/**
 * The longest the event loop was held while `work` ran, in milliseconds. The server runs in
 * this process, so a request that blocks it shows here. Tests print it and guard only
 * against a hang (HANG_MS, far above the figure on a quiet machine and far below what the
 * unguarded server took); the 1 s goal is judged by `npm run bench` (server-hostile).
 */
async function maxLoopBlockMs(work: () => Promise<void>): Promise<number> {
  const histogram = monitorEventLoopDelay({ resolution: 10 })
  histogram.enable()
  try {
    await work()
  } finally {
    histogram.disable()
  }
  return histogram.max / 1e6
}

/** Still answering, and storing, after the hostile request. */
async function expectHealthy(server: RunningServer): Promise<void> {
  const before = server.store.events.count()
  expect((await post(server, '/batch/', batchBody([event('after', 'u')]))).status).toBe(200)
  expect(server.store.events.count()).toBe(before + 1)
}

/**
 * An lz64 stream whose every code repeats the previous phrase plus one character, so n codes
 * decode to n²/2 characters (written bit by bit: the encoder would take minutes for this).
 */
function lz64Bomb(outputChars: number): string {
  const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
  const chars: string[] = []
  let value = 0
  let bit = 5
  const write = (code: number, bits: number): void => {
    for (let i = 0; i < bits; i++) {
      if ((code >> i) & 1) value |= 1 << bit
      if (--bit < 0) {
        chars.push(ALPHABET[value]!)
        value = 0
        bit = 5
      }
    }
  }
  write(0, 2) // an 8-bit literal starts the stream
  write(97, 8)
  let dictionary = 4
  let enlargeIn = 4
  let numBits = 3
  let phrase = 1
  let total = 1
  while (total < outputChars) {
    write(dictionary, numBits) // "the entry about to be added": previous phrase + its first character
    phrase++
    total += phrase
    dictionary++
    if (--enlargeIn === 0) {
      enlargeIn = 2 ** numBits
      numBits++
    }
  }
  write(2, numBits) // end of stream
  if (bit !== 5) chars.push(ALPHABET[value]!)
  return chars.join('') + '='.repeat((4 - (chars.length % 4)) % 4)
}

describe('hostile bodies: bombs and huge inputs get 4xx, never a crash or a long block', () => {
  let server: RunningServer
  beforeEach(async () => {
    server = await startTestServer()
  })

  it('refuses an lz64 bomb while decoding it (413) and keeps serving', async () => {
    // 600 M characters of output (past what one V8 string can hold) from well under a MiB of input.
    const bomb = lz64Bomb(600 * MIB)
    expect(bomb.length).toBeLessThan(MIB)
    // The generator is right: a small one decodes to what it promises.
    expect(decompressFromBase64(lz64Bomb(5000))).toMatch(/^a{5000,5200}$/)
    let status = 0
    const block = await maxLoopBlockMs(async () => {
      status = (await post(server, '/batch/', bomb, { query: '?compression=lz64', headers: { 'content-type': 'text/plain' } })).status
    })
    console.log(`lz64 bomb (${bomb.length} bytes → 600 M characters): ${status}, longest event-loop block ${block.toFixed(0)} ms`)
    expect(status).toBe(413)
    expect(block).toBeLessThan(HANG_MS)
    await expectHealthy(server)
  }, 60_000)

  it('refuses gzip, deflate and brotli bombs (413) for capture and /flags', async () => {
    const inflated = Buffer.alloc(24 * MIB, 0x20)
    const bombs: Array<[string, Buffer]> = [
      ['gzip', gzipSync(inflated)],
      ['deflate', deflateSync(inflated)],
      ['br', brotliCompressSync(inflated)],
    ]
    for (const [encoding, body] of bombs) {
      expect(body.length).toBeLessThan(MIB)
      for (const path of ['/batch/', '/flags?v=2']) {
        const res = await post(server, path, body, { headers: { 'content-encoding': encoding } })
        expect([path, encoding, res.status]).toEqual([path, encoding, 413])
      }
    }
    await expectHealthy(server)
  }, 60_000)

  it('refuses a form body and a base64 body over the cap (413) without decoding them whole', async () => {
    const form = 'data=' + 'A'.repeat(21 * MIB)
    expect((await post(server, '/batch/', form, { headers: { 'content-type': 'application/x-www-form-urlencoded' } })).status).toBe(413)
    const b64 = Buffer.from('x'.repeat(3 * MIB)).toString('base64')
    expect((await post(server, '/e/', b64, { headers: { 'content-type': 'text/plain' } })).status).toBe(413)
    await expectHealthy(server)
  }, 60_000)

  it('answers 4xx, never 500, to malformed bodies of every encoding', async () => {
    const bodies: Array<[string, string | Buffer, Record<string, string>, string?]> = [
      ['truncated gzip', gzipSync('{"api_key":"k","batch":[]}').subarray(0, 12), { 'content-encoding': 'gzip' }],
      ['garbage brotli', Buffer.from('not brotli at all'), { 'content-encoding': 'br' }],
      ['garbage deflate', Buffer.from([0x78, 0x9c, 1, 2, 3, 4]), { 'content-encoding': 'deflate' }],
      ['lz64 with a bad character', '!!!!', { 'content-type': 'text/plain' }, '?compression=lz64'],
      ['lz64 that stops mid-stream', compressToBase64('{"api_key":"k"}').slice(0, 6), { 'content-type': 'text/plain' }, '?compression=lz64'],
      ['a form without data', 'x=1', { 'content-type': 'application/x-www-form-urlencoded' }],
      ['JSON that is a string', '"batch"', {}],
      ['JSON null', 'null', {}],
      ['a batch that is an object', '{"api_key":"k","batch":{"event":"x"}}', {}],
      ['events that are numbers', '{"api_key":"k","batch":[1,2,3]}', {}],
      ['deeply nested properties', '{"api_key":"k","batch":[{"event":"x","distinct_id":"u","properties":' + '['.repeat(100_000) + ']'.repeat(100_000) + '}]}', {}],
      ['a lone surrogate', '{"api_key":"k","batch":[{"event":"\\ud800","distinct_id":"u"}]}', {}],
    ]
    for (const [name, body, headers, query] of bodies) {
      for (const path of ['/batch/', '/e/', '/flags?v=2', '/i/v0/ai/batch/']) {
        const res = await post(server, path, body, { headers, query: query ? (path.includes('?') ? '&' + query.slice(1) : query) : undefined })
        // The lone surrogate is valid JSON text; storing it is fine, crashing is not.
        expect([name, path, res.status < 500]).toEqual([name, path, true])
      }
    }
    const weird = [
      '/_hoglet/events?limit=-1',
      '/_hoglet/events/abc',
      '/_hoglet/persons/%E0%A4%A',
      '/_hoglet/persons/%ZZ',
      '/api/projects/%E0/feature_flags/x/remote_config',
      '/flags/definitions?token=' + 'x'.repeat(8000),
    ]
    for (const path of weird) {
      // The control paths get the control token from `get`; the others a personal key.
      const res = await get(server, path, path.startsWith('/_hoglet') ? {} : { authorization: 'Bearer x' })
      expect([path.slice(0, 60), res.status < 500]).toEqual([path.slice(0, 60), true])
      if (path.includes('%')) expect(res.body.code).toBe('invalid_path')
    }
    await expectHealthy(server)
  }, 60_000)

  it('stores a 20 MiB batch of 600k tiny events in slices, serving other requests meanwhile', async () => {
    const one = JSON.stringify({ event: 'e', distinct_id: 'u' })
    const n = Math.floor((19.5 * MIB) / (one.length + 1))
    const body = '{"api_key":"k","batch":[' + Array(n).fill(one).join(',') + ']}'
    let bigDoneAt = 0
    let healthAt = 0
    const block = await maxLoopBlockMs(async () => {
      const big = post(server, '/batch/', body).then((r) => {
        bigDoneAt = performance.now()
        return r.status
      })
      await new Promise((r) => setTimeout(r, 200))
      // Asked while the batch is being validated and stored: answered before it ends.
      const health = await get(server, '/_health')
      healthAt = performance.now()
      expect(health.status).toBe(200)
      expect(await big).toBe(200)
    })
    console.log(`${n} events in one 20 MiB batch: longest event-loop block ${block.toFixed(0)} ms`)
    expect(server.store.events.count()).toBe(n)
    expect(healthAt).toBeLessThan(bigDoneAt)
    expect(block).toBeLessThan(HANG_MS)
  }, 120_000)

  it('keeps the request log bounded: 40 bodies of 19 MiB of invalid JSON leave no trace in memory', async () => {
    const body = Buffer.alloc(19 * MIB, 0x7b) // `{{{{…`: invalid JSON
    await post(server, '/batch/', body) // warm up
    globalThis.gc?.()
    const before = process.memoryUsage()
    for (let i = 0; i < 40; i++) expect((await post(server, '/batch/', body)).status).toBe(400)
    globalThis.gc?.()
    await new Promise((r) => setTimeout(r, 50))
    const after = process.memoryUsage()
    const grownMiB = (after.heapUsed + after.external - before.heapUsed - before.external) / MIB
    console.log(`request log: heap+external grew ${grownMiB.toFixed(1)} MiB over 40 requests of 19 MiB (rss ${(before.rss / MIB).toFixed(0)} → ${(after.rss / MIB).toFixed(0)} MiB)`)
    // Forty retained copies would be 760 MiB; the log keeps at most 64 KiB of each.
    expect(grownMiB).toBeLessThan(100)
    expect(server.requests('/batch').at(-1)!.body!.length).toBeLessThanOrEqual(64 * 1024)
  }, 120_000)
})

describe('every route answers odd JSON with 4xx or 2xx, never 500', () => {
  it('control and API routes, bodies of every JSON type', async () => {
    const server = await startTestServer()
    const routes: Array<[string, string]> = [
      ['POST', '/batch/'], ['POST', '/e/'], ['POST', '/i/v0/ai/batch/'], ['POST', '/flags?v=2'], ['POST', '/flags'], ['POST', '/decide?v=3'],
      ['POST', '/i/v1/analytics/events'], ['PUT', '/_hoglet/flags'], ['POST', '/_hoglet/flags/evaluate'], ['PUT', '/_hoglet/settings'],
      ['POST', '/_hoglet/faults'], ['POST', '/_hoglet/reset'], ['POST', '/_hoglet/flags/reload'],
    ]
    const bodies = ['null', '5', '"text"', 'true', '[]', '[null]', '{}', '{"flags":null}', '{"distinct_id":{"a":1},"groups":"x"}',
      '{"distinct_id":"u","groups":{"company":null},"person_properties":[1]}', '{"batch":[{"event":"x","distinct_id":"u","properties":"str"}],"api_key":"k"}',
      '{"status":"500"}', '{"quotaLimited":{}}', '{"token":"t","distinct_id":"u","flag_keys_to_evaluate":"abc"}']
    for (const [method, path] of routes) {
      for (const body of bodies) {
        const res = await fetch(server.url + path, {
          method,
          body,
          headers: { 'content-type': 'application/json', ...(path.startsWith('/_hoglet') ? server.controlHeaders() : { authorization: 'Bearer phc_x' }) },
        })
        await res.arrayBuffer()
        expect([method, path, body, res.status < 500]).toEqual([method, path, body, true])
      }
    }
  }, 60_000)
})

describe('the request log never keeps credentials', () => {
  it('masks Authorization, tokens in the query and keys in bodies', async () => {
    const server = await startTestServer()
    await post(server, '/batch/', batchBody([event('x', 'u', { note: 'phx_personalsecretkey123' })], 'phc_projecttoken123'), {
      headers: { authorization: 'Bearer phx_personalsecretkey123', cookie: 'session=abc' },
      query: '?token=phc_projecttoken123&v=1',
    })
    await post(server, '/flags?v=2', { token: 'phc_projecttoken123', distinct_id: 'u', personal_api_key: 'phx_personalsecretkey123' })
    await get(server, '/flags/definitions?token=phc_projecttoken123', { authorization: 'Bearer phx_personalsecretkey123' })
    const logged = JSON.stringify((await get(server, '/_hoglet/requests')).body.results)
    expect(logged).not.toContain('personalsecretkey123')
    expect(logged).not.toContain('projecttoken123')
    expect(logged).not.toContain('session=abc')
    expect(logged).toContain('Bearer phx_…[redacted]')
    // What is not a credential stays readable.
    expect(logged).toContain('\\"distinct_id\\":\\"u\\"')
    expect(server.requests('/batch')[0]!.query).toEqual({ token: 'phc_…[redacted]', v: '1' })
  })
})

describe('/flags cannot hold the event loop', () => {
  it('answers 5,000 regex flags over a hostile value within its budget and marks the rest as failed', async () => {
    const server = await startTestServer()
    const flags = Array.from({ length: 5000 }, (_, i) => ({
      key: `regex-${i}`,
      filters: { groups: [{ properties: [{ key: 'email', type: 'person', operator: 'regex', value: '^(a|aa)+$' }], rollout_percentage: 100 }] },
    }))
    expect((await post(server, '/_hoglet/flags', { flags })).status).toBe(200)
    let answer: any
    const block = await maxLoopBlockMs(async () => {
      answer = await post(server, '/flags', { token: 't', distinct_id: 'u', person_properties: { email: 'a'.repeat(5000) + 'b' } }, { query: '?v=2' })
    })
    const failedCount = Object.values(answer.body.flags as Record<string, { failed?: boolean }>).filter((f) => f.failed).length
    console.log(`/flags over 5,000 regex flags: ${5000 - failedCount} evaluated, ${failedCount} past the budget; longest event-loop block ${block.toFixed(0)} ms`)
    expect(answer.status).toBe(200)
    expect(block).toBeLessThan(HANG_MS)
    expect(answer.body.errorsWhileComputingFlags).toBe(true)
    const failed = Object.values(answer.body.flags as Record<string, { failed?: boolean }>).filter((f) => f.failed)
    expect(failed.length).toBeGreaterThan(0)
    expect(Object.keys(answer.body.flags)).toHaveLength(5000)
  }, 60_000)
})

describe('malformed flag definitions are refused with the path of the bad field', () => {
  const cases: Array<[unknown, string]> = [
    [{ flags: [{ key: 'a', filters: 'all' }] }, 'flags[0].filters'],
    [{ flags: [{ key: 'a' }, { key: 'b', filters: { groups: 'x' } }] }, 'flags[1].filters.groups'],
    [{ flags: [{ key: 'a', filters: { groups: [{ rollout_percentage: 'half' }] } }] }, 'flags[0].filters.groups[0].rollout_percentage'],
    [{ flags: [{ key: 'a', filters: { groups: [{ properties: [{ key: 'k', operator: 3 }] }] } }] }, 'flags[0].filters.groups[0].properties[0].operator'],
    [{ flags: [{ key: 'a', filters: { groups: [{}], multivariate: { variants: [{ key: 'x', rollout_percentage: 200 }] } } }] }, 'flags[0].filters.multivariate.variants[0].rollout_percentage'],
    [{ flags: [{ key: 'a', filters: { groups: [{ variant: 7 }] } }] }, 'flags[0].filters.groups[0].variant'],
    [{ flags: [{ key: 'a', filters: { groups: [{ properties: [{ key: 'id', type: 'cohort', value: 1 }] }] } }], cohorts: { '1': { type: 'XOR', values: [] } } }, 'cohorts.1.type'],
  ]
  it('through the control API (400, old definitions kept) and at start from a file', async () => {
    const server = await startTestServer()
    expect((await post(server, '/_hoglet/flags', { flags: [{ key: 'kept' }] })).status).toBe(200)
    for (const [defs, path] of cases) {
      const res = await post(server, '/_hoglet/flags', defs)
      expect([path, res.status]).toEqual([path, 400])
      expect(res.body.error).toContain(`\`${path}\``)
    }
    expect(server.flags.definitions.flags.map((f) => f.key)).toEqual(['kept'])
    // `/flags` and the page's data still work.
    expect((await post(server, '/flags', { token: 't', distinct_id: 'u' }, { query: '?v=2' })).body.flags.kept.enabled).toBe(true)
    expect((await get(server, '/_hoglet/flags')).status).toBe(200)
    const dir = mkdtempSync(join(tmpdir(), 'hoglet-bad-flags-'))
    try {
      const file = join(dir, 'flags.json')
      writeFileSync(file, JSON.stringify(cases[3]![0]))
      await expect(startTestServer({ flagsFile: file })).rejects.toThrow('`flags[0].filters.groups[0].properties[0].operator` must be a string')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('slow clients: connection cap, header and request timeouts', () => {
  const sockets: Socket[] = []
  afterEach(() => {
    for (const s of sockets.splice(0)) s.destroy()
  })
  const open = (port: number): Promise<Socket> =>
    new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1')
      sockets.push(s)
      s.once('connect', () => resolve(s))
      s.once('error', reject)
    })
  const closed = (s: Socket): Promise<number> => {
    const start = Date.now()
    return new Promise((resolve) => {
      s.on('error', () => {})
      s.once('close', () => resolve(Date.now() - start))
    })
  }

  it('closes a connection that never finishes its headers (slowloris)', async () => {
    const server = await startTestServer({ headersTimeoutMs: 500, requestTimeoutMs: 1000 })
    const s = await open(server.port)
    const done = closed(s)
    s.write('POST /batch/ HTTP/1.1\r\nHost: 127.0.0.1\r\n')
    const trickle = setInterval(() => s.writable && s.write('X-Slow: 1\r\n'), 100)
    const ms = await done
    clearInterval(trickle)
    expect(ms).toBeLessThan(5000)
    await expectHealthy(server)
  }, 20_000)

  it('closes a connection whose body trickles in past the request timeout', async () => {
    const server = await startTestServer({ headersTimeoutMs: 500, requestTimeoutMs: 1000 })
    const s = await open(server.port)
    const done = closed(s)
    let answer = ''
    s.on('data', (c) => (answer += c))
    s.write('POST /batch/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"api_key":"k","batch":[')
    const trickle = setInterval(() => s.writable && s.write(' '), 100)
    const ms = await done
    clearInterval(trickle)
    expect(ms).toBeLessThan(5000)
    expect(answer.startsWith('HTTP/1.1 408') || answer === '').toBe(true)
    expect(server.store.events.count()).toBe(0)
    await expectHealthy(server)
  }, 20_000)

  it('refuses connections beyond the cap and serves again once they go', async () => {
    const server = await startTestServer({ maxConnections: 20 })
    const held = await Promise.all(Array.from({ length: 20 }, () => open(server.port)))
    for (const s of held) s.write('GET /_health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
    await new Promise((r) => setTimeout(r, 100))
    const extra = await open(server.port)
    expect(await closed(extra)).toBeLessThan(2000)
    for (const s of held) s.destroy()
    await new Promise((r) => setTimeout(r, 100))
    await expectHealthy(server)
  }, 20_000)
})
