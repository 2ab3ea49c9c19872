import * as http from 'node:http'
import { createServer, type Server } from 'node:http'
import diagnostics from 'node:diagnostics_channel'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { PostHog } from '../../src/index.js'
import { createTestServer, type CannedResponse } from '../helpers/test-server.js'
import { serverPerTest } from '../helpers/client.js'
import { silentLogger } from '../../src/logger.js'
import { idleConnections } from '../../src/runtime/node-http1.js'

// Without a `fetch` option, Node batches go through the lean HTTP/1.1 client for http: hosts
// and node:http for the rest (see runtime/node-http.ts); everything a caller could observe
// must stay as it is through the global fetch.

const { server, client: make, track } = serverPerTest()

/** One event captured and flushed by a fresh client: the transport tests below only vary what surrounds it. */
async function sendOneEvent(): Promise<void> {
  const client = make()
  client.capture({ distinctId: 'u', event: 'e' })
  await client.flush()
}

describe('the Node transport for event batches', () => {
  it('sends gzipped batches with a Content-Length over node:http and reuses the connection', async () => {
    const client = make({ flushAt: 1 })
    client.capture({ distinctId: 'u', event: 'first' })
    await client.flush()
    client.capture({ distinctId: 'u', event: 'second' })
    await client.flush()
    const requests = server.requestsTo('/batch/')
    expect(requests.map((r) => r.json.batch[0].event)).toEqual(['first', 'second'])
    for (const r of requests) {
      expect(r.headers['content-encoding']).toBe('gzip')
      expect(Number(r.headers['content-length'])).toBe(r.rawBody.length)
      // undici's fetch always sends `sec-fetch-mode`; node:http does not.
      expect(r.headers['sec-fetch-mode']).toBeUndefined()
      expect(r.headers['user-agent']).toMatch(/^hoglet\//)
    }
    expect(client.stats().delivered).toBe(2)
  })

  it('sends batches to an http: host over the lean client, one kept-alive socket for many flushes', async () => {
    const client = make({ flushAt: 1 })
    for (let i = 0; i < 5; i++) {
      client.capture({ distinctId: 'u', event: `e${i}` })
      await client.flush()
    }
    expect(server.requestsTo('/batch/').map((r) => r.json.batch[0].event)).toEqual(['e0', 'e1', 'e2', 'e3', 'e4'])
    expect(idleConnections().get(`127.0.0.1:${server.port}`)).toBe(1)
  })

  it('delivers every event through retries when the server closes, cuts and refuses (503, Retry-After, 413)', async () => {
    let n = 0
    server.route('/batch/', (r): CannedResponse => {
      n++
      if (n === 1) return { reset: true }
      if (n === 2) return { status: 503, headers: { 'Retry-After': '0' } }
      if (n === 3) return { status: 200, body: { status: 1 }, headers: { Connection: 'close' } }
      if (r.json.batch.length > 5) return { status: 413 }
      return { status: 200, body: { status: 1 } }
    })
    const client = make({ flushAt: 10, maxBatchSize: 10, fetchRetryDelay: 1 })
    for (let i = 0; i < 30; i++) client.capture({ distinctId: 'u', event: `e${i}` })
    await client.flush()
    const seen = new Set(server.requestsTo('/batch/').flatMap((r) => r.json.batch.map((e: any) => e.event)))
    expect(seen.size).toBe(30)
    expect(client.stats()).toMatchObject({ delivered: 30, queued: 0, droppedTotal: 0, retried: 2 })
    // The two batches refused as too large went out again as halves.
    expect(server.requestsTo('/batch/').filter((r) => r.json.batch.length === 5)).toHaveLength(4)
  })

  it('leaves http: batches to node:http while an interceptor has replaced http.request', async () => {
    const module = (http as unknown as { default: typeof http }).default
    const original = module.request
    const seen: string[] = []
    module.request = function (this: unknown, ...args: unknown[]) {
      seen.push(String(args[0]))
      return (original as (...a: unknown[]) => http.ClientRequest).apply(this, args)
    } as typeof http.request
    try {
      await sendOneEvent()
    } finally {
      module.request = original
    }
    expect(seen.some((url) => url.endsWith('/batch/'))).toBe(true)
    expect(server.requestsTo('/batch/')).toHaveLength(1)
    expect(idleConnections().get(`127.0.0.1:${server.port}`) ?? 0).toBe(0)
  })

  it('leaves http: batches to node:http while someone listens on its diagnostics channel', async () => {
    const seen: string[] = []
    const listener = (message: unknown): void => void seen.push((message as { request: http.ClientRequest }).request.path)
    diagnostics.subscribe('http.client.request.start', listener)
    try {
      await sendOneEvent()
    } finally {
      diagnostics.unsubscribe('http.client.request.start', listener)
    }
    expect(seen).toContain('/batch/')
    expect(server.requestsTo('/batch/')).toHaveLength(1)
  })

  it('leaves batches to a global fetch installed after hoglet was loaded', async () => {
    const original = globalThis.fetch
    const seen: string[] = []
    globalThis.fetch = ((input: string, init?: RequestInit) => {
      seen.push(String(input))
      return original(input, init)
    }) as typeof fetch
    try {
      await sendOneEvent()
    } finally {
      globalThis.fetch = original
    }
    expect(seen.some((url) => url.endsWith('/batch/'))).toBe(true)
    expect(server.requestsTo('/batch/')[0]!.headers['sec-fetch-mode']).toBeDefined()
  })

  it('reports a refused connection as fetch does and keeps the batch', async () => {
    const down = await createTestServer()
    await down.close()
    const errors: Error[] = []
    const client = new PostHog('phc_test', { host: down.url, flushInterval: 0, fetchRetryDelay: 1, fetchRetryCount: 0, onError: (e) => errors.push(e), logger: silentLogger })
    track(client)
    client.capture({ distinctId: 'u', event: 'e' })
    await client.flush()
    expect(client.stats()).toMatchObject({ queued: 1, delivered: 0 })
    expect(errors.map((e) => e.message).join('\n')).toMatch(/failed: fetch failed/)
    expect((errors[0]?.cause as Error | undefined)?.cause).toMatchObject({ code: 'ECONNREFUSED' })
  })

  it('times out a request that gets no answer within requestTimeout', async () => {
    server.enqueue('/batch/', { hang: true })
    const errors: Error[] = []
    const client = make({ requestTimeout: 150, fetchRetryCount: 0, onError: (e) => errors.push(e) })
    client.capture({ distinctId: 'u', event: 'e' })
    await client.flush()
    expect(errors.some((e) => e.name === 'RequestTimeoutError')).toBe(true)
    expect(client.stats()).toMatchObject({ queued: 1, delivered: 0 })
  })

  it('answers a redirect exactly as the global fetch does', async () => {
    const redirecting = await listen((req, res) => {
      req.resume()
      req.on('end', () => res.writeHead(307, { location: `${server.url}/batch/` }).end())
    })
    const outcome = async (options: { fetch?: typeof fetch }) => {
      const errors: string[] = []
      const client = new PostHog('phc_test', { host: redirecting.url, flushInterval: 0, fetchRetryCount: 0, logger: silentLogger, onError: (e) => errors.push(e.name), ...options })
      track(client)
      client.capture({ distinctId: 'u', event: 'moved' })
      await client.flush()
      const { delivered, queued } = client.stats()
      return { delivered, queued, errors }
    }
    try {
      const viaFetch = await outcome({ fetch: (input, init) => globalThis.fetch(input, init) })
      const viaDefault = await outcome({})
      expect(viaDefault).toEqual(viaFetch)
      expect(viaDefault.delivered + viaDefault.queued).toBe(1)
    } finally {
      await redirecting.close()
    }
  })
})



async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; close(): Promise<void> }> {
  const s: Server = createServer(handler)
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
  const { port } = s.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => { s.closeAllConnections(); s.close(() => resolve()) }),
  }
}
