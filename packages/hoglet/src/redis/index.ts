/**
 * `hoglet/redis`: one copy of the flag definitions for a whole fleet, shared through Redis.
 *
 * ```ts
 * import Redis from 'ioredis'
 * import { PostHog } from 'hoglet'
 * import { RedisFlagDefinitionCache } from 'hoglet/redis'
 *
 * const posthog = new PostHog('phc_...', {
 *   secretKey: process.env.POSTHOG_SECRET_KEY,
 *   flagDefinitionCacheProvider: new RedisFlagDefinitionCache({ redis: new Redis(process.env.REDIS_URL) }),
 * })
 * ```
 */
export { RedisFlagDefinitionCache } from './redis-flag-cache.js'
export type { RedisCacheRole, RedisFlagDefinitionCacheOptions, RedisFlagDefinitionCacheStatus } from './redis-flag-cache.js'
export type { IoRedisLike, NodeRedisLike, RedisClientLike, RedisCommandFn } from './redis-commands.js'
