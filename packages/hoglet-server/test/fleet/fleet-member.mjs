// One process of a fleet: a hoglet client with local evaluation and the Redis definitions
// cache. It evaluates one flag every EVAL_MS and reports the value, its role and the cache's
// status to the parent over IPC; `{type: 'stop'}` shuts it down gracefully.
import Redis from 'ioredis'
import { PostHog } from 'hoglet'
import { RedisFlagDefinitionCache } from 'hoglet/redis'

const env = process.env
const errors = []
const redis = new Redis({ host: '127.0.0.1', port: Number(env.REDIS_PORT), maxRetriesPerRequest: 1, retryStrategy: () => 200, lazyConnect: false })
redis.on('error', () => {}) // reported through the cache's status instead
const cache = env.NO_CACHE
  ? undefined
  : new RedisFlagDefinitionCache({
      redis,
      keyPrefix: env.KEY_PREFIX,
      lockTtlMs: Number(env.LOCK_TTL_MS),
      syncIntervalMs: Number(env.SYNC_MS),
      commandTimeoutMs: 1000,
      logger: { warn: () => {}, info: () => {} },
      onError: (error) => errors.push(error.message),
    })
let definitionsFetches = 0
const posthog = new PostHog('phc_fleet', {
  fetch: (url, init) => {
    if (String(url).includes('/flags/definitions')) definitionsFetches++
    return fetch(url, init)
  },
  host: env.HOST,
  personalApiKey: 'phx_fleet',
  featureFlagsPollingInterval: Number(env.POLL_MS),
  flagDefinitionCacheProvider: cache,
  sendFeatureFlagEvent: false,
  logger: { debug() {}, info() {}, warn() {}, error() {} },
})

const timer = setInterval(async () => {
  const value = await posthog.getFeatureFlag('fleet-flag', 'user-1', { onlyEvaluateLocally: true })
  process.send?.({ type: 'eval', at: Date.now(), value: value ?? null, status: cache?.status(), errors: errors.length, definitionsFetches })
}, Number(env.EVAL_MS ?? 100))

process.on('message', async (msg) => {
  if (msg?.type !== 'stop') return
  clearInterval(timer)
  await posthog.shutdown(2000)
  redis.disconnect()
  process.exit(0)
})
process.on('disconnect', () => process.exit(0))
