// The Redis cache with both client libraries, in one process: who fetches, what followers
// compile, how the ETag passes to a new leader, and option checks.
import Redis from 'ioredis'
import { createClient } from 'redis'
import { PostHog } from 'hoglet'
import { RedisFlagDefinitionCache, type RedisClientLike } from 'hoglet/redis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type RunningServer } from '../../src/index.js'
import { serverControl, type ServerControl } from '../server-control.js'
import { findRedisServer, startRedisServer, type RedisServer } from './redis-server.js'
import { waitUntil } from './fleet.js'

const redisBinary = findRedisServer()
if (!redisBinary) console.warn('Redis cache tests skipped: redis-server is not installed (apt-get install redis-server)')

const quiet = { debug() {}, info() {}, warn() {}, error() {} }
const definitions = (key: string) => ({ flags: [{ id: 1, key, active: true, filters: { groups: [{ properties: [], rollout_percentage: 100 }] } }] })

describe.skipIf(!redisBinary)('RedisFlagDefinitionCache (real redis-server)', () => {
  let redis: RedisServer
  let server: RunningServer
  let control: ServerControl
  const cleanups: Array<() => Promise<unknown>> = []
  let prefix = 0

  beforeAll(async () => {
    redis = await startRedisServer(redisBinary!)
    server = await startServer({ database: ':memory:' })
    control = serverControl(server)
  })
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })
  afterAll(async () => {
    await server?.close()
    await redis?.close()
  })

  const clients: Record<string, () => Promise<RedisClientLike>> = {
    ioredis: async () => {
      const c = new Redis({ host: '127.0.0.1', port: redis.port })
      cleanups.push(async () => c.disconnect())
      return c
    },
    'node-redis': async () => {
      const c = createClient({ socket: { host: '127.0.0.1', port: redis.port } })
      await c.connect()
      cleanups.push(async () => c.destroy())
      return c
    },
  }

  function member(redisClient: RedisClientLike, keyPrefix: string, pollMs = 400): { posthog: PostHog; cache: RedisFlagDefinitionCache; fetches: () => number } {
    let fetches = 0
    const cache = new RedisFlagDefinitionCache({ redis: redisClient, keyPrefix, lockTtlMs: 1000, syncIntervalMs: 100, logger: { warn() {}, info() {} } })
    const posthog = new PostHog('phc_cache', {
      host: server.url,
      personalApiKey: 'phx_cache',
      featureFlagsPollingInterval: pollMs,
      flagDefinitionCacheProvider: cache,
      sendFeatureFlagEvent: false,
      logger: quiet,
      fetch: (url, init) => {
        if (String(url).includes('/flags/definitions')) fetches++
        return fetch(url, init)
      },
    })
    cleanups.push(() => posthog.shutdown(2000))
    return { posthog, cache, fetches: () => fetches }
  }

  it.each(Object.keys(clients))('with %s: one fetches, the other compiles each change once, and a new leader polls with the shared ETag', async (name) => {
    const keyPrefix = `test:cache:${process.pid}:${++prefix}`
    control.setFlags(definitions('flag-1'))
    const a = member(await clients[name]!(), keyPrefix)
    expect(await a.posthog.waitForLocalEvaluationReady(5000)).toBe(true)
    const b = member(await clients[name]!(), keyPrefix)
    expect(await b.posthog.waitForLocalEvaluationReady(5000)).toBe(true)
    expect(a.cache.status().role).toBe('leader')
    expect(b.cache.status().role).toBe('follower')

    const readBefore = b.cache.status().copiesRead
    control.setFlags(definitions('flag-2'))
    await waitUntil('the follower sees the change', () => b.posthog.isLocalEvaluationReady() && b.cache.status().copiesRead > readBefore, 3000)
    expect(await b.posthog.getFeatureFlag('flag-2', 'u', { onlyEvaluateLocally: true })).toBe(true)
    // Several polls later, the unchanged copy was not read again.
    await new Promise((r) => setTimeout(r, 1000))
    expect(b.cache.status().copiesRead).toBe(readBefore + 1)
    expect(b.fetches()).toBe(0)

    // The leader shuts down: it releases the lock, the follower leads and polls with the copy's ETag.
    const since = Date.now()
    await a.posthog.shutdown(2000)
    await waitUntil('the follower polls', () => control.definitionsPolls(since).some((r) => r.status !== undefined), 5000)
    expect(b.cache.status().role).toBe('leader')
    const poll = control.definitionsPolls(since)[0]!
    expect(poll.headers['if-none-match']).toBe(server.flags.etag)
    expect(poll.status).toBe(304)
  })

  it('pushes a change to a follower that would not poll for a minute', async () => {
    const keyPrefix = `test:cache:${process.pid}:${++prefix}`
    control.setFlags(definitions('flag-1'))
    const a = member(await clients.ioredis!(), keyPrefix, 300)
    expect(await a.posthog.waitForLocalEvaluationReady(5000)).toBe(true)
    const b = member(await clients.ioredis!(), keyPrefix, 60_000)
    expect(await b.posthog.waitForLocalEvaluationReady(5000)).toBe(true)
    control.setFlags(definitions('flag-2'))
    await waitUntil('the follower evaluates the new flag', () => b.cache.status().copiesRead >= 2, 10_000)
    expect(await b.posthog.getFeatureFlag('flag-2', 'u', { onlyEvaluateLocally: true })).toBe(true)
    expect(b.fetches()).toBe(0)
  })

  it('refuses bad options at construction, naming them', () => {
    expect(() => new RedisFlagDefinitionCache({ redis: {} as RedisClientLike })).toThrow(/`redis`/)
    const fn = async () => null
    expect(() => new RedisFlagDefinitionCache({ redis: fn, lockTtlMs: 100, syncIntervalMs: 100 })).toThrow(/lockTtlMs/)
    expect(() => new RedisFlagDefinitionCache({ redis: fn, commandTimeoutMs: 0 })).toThrow(/commandTimeoutMs/)
    expect(() => new RedisFlagDefinitionCache({ redis: fn, keyPrefix: '' })).toThrow(/keyPrefix/)
  })
})
