import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createTestServer, type TestServer } from '../helpers/test-server.js'
import { DefinitionsPoller, type DefinitionsPollerConfig } from '../../src/flags/poller.js'
import { InMemoryFlagDefinitionCache, type FlagDefinitionCacheData, type FlagDefinitionCacheProvider } from '../../src/flags/cache-provider.js'
import type { FlagsLogger } from '../../src/flags/flag-api.js'

let server: TestServer
const pollers: DefinitionsPoller<unknown>[] = []
beforeEach(async () => {
  server = await createTestServer()
})
afterEach(async () => {
  await Promise.all(pollers.splice(0).map((p) => p.stop()))
  await server.close()
})

interface Recorded {
  logs: Array<[string, string]>
  compiled: FlagDefinitionCacheData[]
  errors: Error[]
}

function makePoller(overrides: Partial<DefinitionsPollerConfig<string[]>> = {}): { poller: DefinitionsPoller<string[]>; rec: Recorded } {
  const rec: Recorded = { logs: [], compiled: [], errors: [] }
  const logger: FlagsLogger = {
    debug: (m) => rec.logs.push(['debug', m]),
    info: (m) => rec.logs.push(['info', m]),
    warn: (m) => rec.logs.push(['warn', m]),
    error: (m) => rec.logs.push(['error', m]),
  }
  const poller = new DefinitionsPoller<string[]>({
    host: server.url,
    projectToken: 'phc_token',
    secretKey: 'phs_secret',
    fetch: (url, init) => fetch(url, init),
    userAgent: 'hoglet/test',
    pollIntervalMs: 60_000,
    requestTimeoutMs: 5_000,
    logger,
    compile: (data) => {
      rec.compiled.push(data)
      return data.flags.map((f) => f.key)
    },
    report: (e, level) => {
      rec.errors.push(e)
      rec.logs.push([level, e.message])
    },
    ...overrides,
  })
  pollers.push(poller as DefinitionsPoller<unknown>)
  return { poller, rec }
}

const defs = (...keys: string[]) => ({
  flags: keys.map((key, i) => ({ key, id: i + 1, active: true, filters: { groups: [{ properties: [], rollout_percentage: 100 }] } })),
  group_type_mapping: { '0': 'company' },
  cohorts: {},
})

describe('definitions poller', () => {
  it('loads /flags/definitions with the token, send_cohorts and Bearer auth, and is ready even with zero flags', async () => {
    server.route('/flags/definitions', { body: defs() })
    const { poller, rec } = makePoller()
    expect(poller.isReady()).toBe(false)
    poller.start()
    expect(await poller.waitForReady(10_000)).toBe(true)
    expect(poller.isReady()).toBe(true)
    const [req] = server.requestsTo('/flags/definitions')
    expect(req!.method).toBe('GET')
    expect(req!.query.get('token')).toBe('phc_token')
    expect(req!.query.has('send_cohorts')).toBe(true)
    expect(req!.headers.authorization).toBe('Bearer phs_secret')
    expect(req!.headers['if-none-match']).toBeUndefined()
    expect(rec.compiled).toHaveLength(1)
    expect(poller.definitions!.data.groupTypeMapping).toEqual({ '0': 'company' })
  })

  it('sends If-None-Match with the stored ETag and keeps the definitions on 304 without recompiling', async () => {
    server.enqueue('/flags/definitions', { body: defs('a', 'b'), headers: { etag: 'W/"v1"' } }, { status: 304, headers: { etag: 'W/"v1"' } })
    const { poller, rec } = makePoller()
    await poller.reload()
    await poller.reload()
    const reqs = server.requestsTo('/flags/definitions')
    expect(reqs).toHaveLength(2)
    expect(reqs[1]!.headers['if-none-match']).toBe('W/"v1"')
    expect(rec.compiled).toHaveLength(1)
    expect(poller.definitions!.compiled).toEqual(['a', 'b'])
  })

  it('clears the ETag when a 200 arrives without one', async () => {
    server.enqueue('/flags/definitions', { body: defs('a'), headers: { etag: '"x"' } }, { body: defs('a', 'b') }, { body: defs('a', 'b') })
    const { poller } = makePoller()
    await poller.reload()
    await poller.reload()
    await poller.reload()
    const reqs = server.requestsTo('/flags/definitions')
    expect(reqs[1]!.headers['if-none-match']).toBe('"x"')
    expect(reqs[2]!.headers['if-none-match']).toBeUndefined()
  })

  it('polls again every featureFlagsPollingInterval and stops when stopped', async () => {
    server.route('/flags/definitions', { body: defs('a') })
    const { poller } = makePoller({ pollIntervalMs: 100 })
    poller.start()
    await server.waitForRequests('/flags/definitions', 4, 10_000)
    await poller.stop()
    const seen = server.requestsTo('/flags/definitions').length
    await new Promise((r) => setTimeout(r, 350))
    expect(server.requestsTo('/flags/definitions').length).toBe(seen)
    const times = server.requestsTo('/flags/definitions').map((r) => r.receivedAt)
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(90)
  })

  it.each([401, 402, 403, 500, 503])('keeps the last known good definitions when the server answers %i', async (status) => {
    server.enqueue('/flags/definitions', { body: defs('a', 'b') }, { status, body: 'no' })
    const { poller } = makePoller()
    await poller.reload()
    await poller.reload()
    expect(server.requestsTo('/flags/definitions')).toHaveLength(2)
    expect(poller.isReady()).toBe(true)
    expect(poller.definitions!.compiled).toEqual(['a', 'b'])
  })

  it('keeps the definitions through a malformed body and a network failure', async () => {
    server.enqueue('/flags/definitions', { body: defs('a') }, { body: { no_flags: true } }, { reset: true })
    const { poller, rec } = makePoller()
    await poller.reload()
    await poller.reload()
    await poller.reload()
    expect(poller.definitions!.compiled).toEqual(['a'])
    expect(rec.logs.filter(([level]) => level === 'warn')).toHaveLength(2)
  })

  it('reports auth and quota failures through the logger and onError', async () => {
    server.enqueue('/flags/definitions', { status: 401, body: 'bad key' }, { status: 402, body: '{"type":"quota_limited"}' })
    const { poller, rec } = makePoller()
    await poller.reload()
    await poller.reload()
    expect(rec.errors.map((e) => e.message)).toEqual([expect.stringContaining('401'), expect.stringContaining('402')])
    expect(rec.logs.filter(([level]) => level === 'error')).toHaveLength(2)
  })

  /** Gaps between the first `requests` definitions requests of a poller that only ever gets 500s. */
  async function gapsWhileFailing(overrides: Partial<DefinitionsPollerConfig<string[]>>, requests: number): Promise<number[]> {
    server.route('/flags/definitions', { status: 500, body: 'down' })
    const { poller } = makePoller(overrides)
    poller.start()
    await server.waitForRequests('/flags/definitions', requests, 15_000)
    await poller.stop()
    const t = server.requestsTo('/flags/definitions').map((r) => r.receivedAt)
    return t.slice(1, requests).map((at, i) => at - t[i]!)
  }

  it('backs off after consecutive errors: each gap at least doubles the interval', async () => {
    const gaps = await gapsWhileFailing({ pollIntervalMs: 100 }, 4)
    // failures 1, 2, 3 → waits of 200, 400, 800 ms (timers never fire early)
    expect(gaps[0]).toBeGreaterThanOrEqual(190)
    expect(gaps[1]).toBeGreaterThanOrEqual(390)
    expect(gaps[2]).toBeGreaterThanOrEqual(790)
  })

  // The cap is 60 s in production; a smaller one keeps these tests short. An uncapped gap would
  // be twice the one before, well past each upper bound below.
  it('backing off stops growing at the cap: doubling gaps, then the cap each time', async () => {
    const gaps = await gapsWhileFailing({ pollIntervalMs: 100, maxBackoffMs: 400 }, 6)
    // failures 1..5 → 200, 400, then 400 three times (uncapped: 800, 1600, 3200)
    expect(gaps[0]).toBeGreaterThanOrEqual(190)
    for (const gap of gaps.slice(1)) expect(gap).toBeGreaterThanOrEqual(390)
    for (const gap of gaps.slice(3)) expect(gap).toBeLessThan(1200)
  })

  it('an interval longer than the cap is never shortened, and does not double either', async () => {
    const gaps = await gapsWhileFailing({ pollIntervalMs: 500, maxBackoffMs: 300 }, 4)
    // uncapped: 1000, 2000, 4000
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(490)
    for (const gap of gaps.slice(1)) expect(gap).toBeLessThan(1500)
  })

  it('without polling, retries until the first load are capped too', async () => {
    const gaps = await gapsWhileFailing({ pollIntervalMs: null, maxBackoffMs: 300 }, 4)
    // uncapped: 1000, 2000, 4000
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(290)
    for (const gap of gaps.slice(1)) expect(gap).toBeLessThan(1500)
  })

  it('falls back to /api/feature_flag/local_evaluation when /flags/definitions answers 404, and stays there', async () => {
    server.route('/flags/definitions', { status: 404, body: 'not found' })
    server.route('/api/feature_flag/local_evaluation', { body: defs('legacy') })
    const { poller } = makePoller()
    await poller.reload()
    await poller.reload()
    expect(server.requestsTo('/flags/definitions')).toHaveLength(1)
    const legacy = server.requestsTo('/api/feature_flag/local_evaluation')
    expect(legacy).toHaveLength(2)
    expect(legacy[0]!.query.get('token')).toBe('phc_token')
    expect(legacy[0]!.query.has('send_cohorts')).toBe(true)
    expect(legacy[0]!.headers.authorization).toBe('Bearer phs_secret')
    expect(poller.definitions!.compiled).toEqual(['legacy'])
  })

  it('waitForReady resolves false at once on a definitive failure instead of waiting out the timeout', async () => {
    server.route('/flags/definitions', { status: 401, body: 'bad key' })
    const { poller } = makePoller()
    const started = Date.now()
    poller.start()
    expect(await poller.waitForReady(20_000)).toBe(false)
    expect(Date.now() - started).toBeLessThan(10_000)
    // Asked again after the failure: still answers at once.
    expect(await poller.waitForReady(20_000)).toBe(false)
  })

  it('waitForReady resolves false after its timeout while the server hangs', async () => {
    server.route('/flags/definitions', { hang: true })
    const { poller } = makePoller({ requestTimeoutMs: 30_000 })
    poller.start()
    expect(await poller.waitForReady(150)).toBe(false)
  })

  it('keeps the previous definitions when compiling a new load fails', async () => {
    server.enqueue('/flags/definitions', { body: defs('good') }, { body: defs('bad') })
    const { poller, rec } = makePoller({
      compile: (data) => {
        if (data.flags.some((f) => f.key === 'bad')) throw new Error('cannot compile')
        return data.flags.map((f) => f.key)
      },
    })
    await poller.reload()
    await poller.reload()
    expect(poller.definitions!.compiled).toEqual(['good'])
    expect(rec.errors).toHaveLength(1)
  })
})

describe('flag definition cache provider', () => {
  it('lets two clients share one fetch through the in-memory provider', async () => {
    server.route('/flags/definitions', { body: defs('shared') })
    const cache = new InMemoryFlagDefinitionCache({ maxAgeMs: 60_000 })
    const leader = makePoller({ cacheProvider: cache }).poller
    const follower = makePoller({ cacheProvider: cache }).poller
    await leader.reload()
    await follower.reload()
    expect(server.requestsTo('/flags/definitions')).toHaveLength(1)
    expect(follower.definitions!.compiled).toEqual(['shared'])
    expect(follower.definitions!.source).toBe('cache')
    // Polling again while the shared copy is fresh: no request, no recompilation.
    const loadedAt = follower.definitions!.loadedAt
    const compiledBefore = follower.definitions!.compiled
    await follower.reload()
    expect(follower.definitions!.compiled).toBe(compiledBefore)
    expect(follower.definitions!.loadedAt).toBe(loadedAt)
    expect(server.requestsTo('/flags/definitions')).toHaveLength(1)
  })

  it('works with an async leader/follower provider like a Redis one', async () => {
    server.route('/flags/definitions', { body: defs('x', 'y') })
    // Simulates a shared store: one leader lock, one stored copy, async everywhere.
    const store: { data?: FlagDefinitionCacheData; leader?: string; shutdowns: string[]; received: number } = { shutdowns: [], received: 0 }
    const provider = (name: string): FlagDefinitionCacheProvider => ({
      async shouldFetchFlagDefinitions() {
        await new Promise((r) => setTimeout(r, 5))
        store.leader ??= name
        return store.leader === name
      },
      async getFlagDefinitions() {
        return store.data ? structuredClone(store.data) : undefined
      },
      async onFlagDefinitionsReceived(data) {
        store.received++
        store.data = structuredClone(data)
      },
      async shutdown() {
        store.shutdowns.push(name)
      },
    })
    const a = makePoller({ cacheProvider: provider('a') }).poller
    const b = makePoller({ cacheProvider: provider('b') }).poller
    const c = makePoller({ cacheProvider: provider('c') }).poller
    await a.reload()
    await Promise.all([b.reload(), c.reload(), b.reload()])
    await a.reload()
    expect(server.requestsTo('/flags/definitions')).toHaveLength(2)
    expect(store.received).toBe(2)
    expect(b.definitions!.compiled).toEqual(['x', 'y'])
    expect(c.definitions!.compiled).toEqual(['x', 'y'])
    await Promise.all([a.stop(), b.stop(), a.stop()])
    expect(store.shutdowns.sort()).toEqual(['a', 'b'])
  })

  it('fetches itself when a follower finds nothing shared and has nothing loaded, or when the provider throws', async () => {
    server.route('/flags/definitions', { body: defs('z') })
    const empty: FlagDefinitionCacheProvider = {
      shouldFetchFlagDefinitions: () => false,
      getFlagDefinitions: () => undefined,
      onFlagDefinitionsReceived: () => undefined,
      shutdown: () => undefined,
    }
    const broken: FlagDefinitionCacheProvider = {
      shouldFetchFlagDefinitions: () => {
        throw new Error('redis down')
      },
      getFlagDefinitions: () => undefined,
      onFlagDefinitionsReceived: () => {
        throw new Error('redis down')
      },
      shutdown: () => undefined,
    }
    const p1 = makePoller({ cacheProvider: empty }).poller
    await p1.reload()
    expect(p1.definitions!.compiled).toEqual(['z'])
    // Loaded now and the provider still has nothing: keep ours, no new request.
    await p1.reload()
    expect(server.requestsTo('/flags/definitions')).toHaveLength(1)
    const p2 = makePoller({ cacheProvider: broken }).poller
    await p2.reload()
    expect(p2.definitions!.compiled).toEqual(['z'])
    expect(server.requestsTo('/flags/definitions')).toHaveLength(2)
  })
})
