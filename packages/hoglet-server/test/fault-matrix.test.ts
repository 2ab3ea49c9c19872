import { PostHog, uuidv7 } from 'hoglet'
import { describe, expect, it } from 'vitest'
import type { RunningServer } from '../src/index.js'
import { startTestServer } from './helpers.js'

// The SDK's delivery under the failures hoglet-server's fault injection produces: every event
// reaches the store exactly once, and shutdown() finishes within its timeout.
// `HOGLET_FAULT_EVENTS` raises the event count (`npm run soak`).

const EVENTS = Number(process.env.HOGLET_FAULT_EVENTS ?? 400)
const SHUTDOWN_TIMEOUT_MS = 25_000

/** The one place the test talks to the control API (`/_hoglet/*`), so its access rules live here. */
async function control(server: RunningServer, method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<void> {
  const res = await fetch(`${server.url}/_hoglet${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...server.controlHeaders() },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  if (!res.ok) throw new Error(`${method} /_hoglet${path}: ${res.status} ${await res.text()}`)
}

interface Case {
  name: string
  faults: unknown[]
  /** Clear the faults after this long (an outage that ends). */
  clearAfterMs?: number
}

const cases: Case[] = [
  { name: '500s', faults: [{ path: '/batch', status: 500, times: 6 }] },
  { name: 'a burst of 503s', faults: [{ path: '/batch', status: 503, times: 10 }] },
  { name: '429 with Retry-After', faults: [{ path: '/batch', status: 429, retryAfter: 1, times: 3 }] },
  { name: 'connection resets', faults: [{ path: '/batch', reset: true, times: 6 }] },
  { name: '2 s responses', faults: [{ path: '/batch', delayMs: 2000, times: 4 }] },
  { name: 'a 6 s outage', faults: [{ path: '/batch', status: 503, times: 1_000_000 }], clearAfterMs: 6000 },
  { name: '413 (the batch is halved)', faults: [{ path: '/batch', status: 413, times: 3 }] },
  {
    name: 'all of them in a row',
    faults: [
      { path: '/batch', status: 500, times: 2 },
      { path: '/batch', reset: true, times: 2 },
      { path: '/batch', status: 429, retryAfter: 1 },
      { path: '/batch', status: 413 },
      { path: '/batch', delayMs: 2000 },
      { path: '/batch', status: 503, times: 3 },
    ],
  },
]

describe('fault matrix: the SDK against hoglet-server fault injection', () => {
  for (const c of cases) {
    it(`${c.name}: loses no event, sends none twice, shuts down within its timeout`, async () => {
      const server = await startTestServer()
      await control(server, 'POST', '/faults', c.faults)
      const clear = c.clearAfterMs === undefined ? undefined : setTimeout(() => void control(server, 'DELETE', '/faults'), c.clearAfterMs)
      const client = new PostHog('phc_faults', {
        host: server.url,
        flushAt: 20,
        maxBatchSize: 50,
        flushInterval: 50,
        requestTimeout: 3000,
        fetchRetryCount: 10,
        fetchRetryDelay: 100,
        fetchRetryMaxDelay: 1500,
        logger: { debug() {}, info() {}, warn() {}, error() {} },
      })
      const uuids: string[] = []
      for (let i = 0; i < EVENTS; i++) {
        const uuid = uuidv7()
        uuids.push(uuid)
        client.capture({ distinctId: `u${i % 13}`, event: 'faulted', properties: { i }, uuid })
        if (i % 50 === 49) await new Promise((r) => setTimeout(r, 5))
      }
      const started = Date.now()
      const result = await client.shutdown(SHUTDOWN_TIMEOUT_MS)
      const took = Date.now() - started
      clearTimeout(clear)
      const stored = server.store.events.list({ event: 'faulted', limit: 10_000 }).map((e) => e.uuid)
      console.log(`fault matrix, ${c.name}: ${EVENTS} captured, ${new Set(stored).size} stored, shutdown ${took} ms, ${client.stats().retried} retries`)
      // result.delivered counts what the shutdown itself delivered; stats() counts them all.
      expect(result).toMatchObject({ undelivered: 0, timedOut: false })
      expect(client.stats()).toMatchObject({ captured: EVENTS, delivered: EVENTS, droppedTotal: 0 })
      expect(took).toBeLessThan(SHUTDOWN_TIMEOUT_MS)
      expect(new Set(stored)).toEqual(new Set(uuids))
      expect(stored).toHaveLength(EVENTS)
      const stats = client.stats()
      expect(stats.captured).toBe(stats.delivered + stats.droppedTotal + stats.queued + stats.inFlight)
    }, 60_000 + EVENTS * 20)
  }
})
