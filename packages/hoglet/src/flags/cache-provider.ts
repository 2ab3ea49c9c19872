/**
 * Sharing one copy of the flag definitions across a fleet.
 *
 * Before each poll the SDK asks the provider whether *this* process should fetch (the
 * leader). Followers read the definitions the leader stored instead of calling PostHog,
 * so a fleet of N processes costs one definitions request per interval instead of N.
 * Every method may return a promise (Redis, a database, a KV store).
 */
import type { FlagDefinition, PropertyGroup } from '../engine/types.js'

export type { FlagDefinition }

/** What a provider stores and returns: the parsed definitions response. */
export interface FlagDefinitionCacheData {
  flags: FlagDefinition[]
  /** `{"0": "company", ...}`: group type index to group type name. */
  groupTypeMapping: Record<string, string>
  /** Cohort id to its property-group tree. */
  cohorts: Record<string, PropertyGroup>
  /** Server gate for slim `$feature_flag_called` events. */
  minimalFlagCalledEvents?: boolean
  /** The project's IANA timezone, when the definitions carry it (hoglet-server's do). */
  timezone?: string
  /** The wire names, as posthog-node also stores them (read when the camel-case ones are absent). */
  group_type_mapping?: Record<string, string>
  minimal_flag_called_events?: boolean
  property_matching_version?: number
  propertyMatchingVersion?: number
}

/** What a provider may hand back: posthog-node's input shape (wire-named group type mapping accepted). */
export type FlagDefinitionCacheInput =
  | FlagDefinitionCacheData
  | (Omit<FlagDefinitionCacheData, 'groupTypeMapping'> & { group_type_mapping: Record<string, string>; groupTypeMapping?: Record<string, string> })

type MaybePromise<T> = T | Promise<T>

/** What the SDK knows about a fetched load besides its data. */
export interface FlagDefinitionsMeta {
  /** The response's ETag, for `If-None-Match` on later polls. */
  etag?: string
}

/**
 * Same method names as posthog-node's `FlagDefinitionCacheProvider`, so existing providers work.
 *
 * Per poll: `shouldFetchFlagDefinitions()` (throws → fetch anyway). When it says no,
 * `getFlagDefinitions()` is installed if it returns data; when it returns nothing the
 * current definitions are kept, or, before any load, the SDK fetches anyway.
 * After a successful fetch (200, not 304) `onFlagDefinitionsReceived(data, meta)` is called.
 * `shutdown()` is called once by `PostHog.shutdown()`.
 *
 * Two optional methods (hoglet's own; posthog-node providers simply lack them) let a provider
 * push changes instead of waiting for the next poll, and hand over the shared copy's ETag.
 */
export interface FlagDefinitionCacheProvider<CacheData extends FlagDefinitionCacheInput = FlagDefinitionCacheData> {
  getFlagDefinitions(): MaybePromise<CacheData | undefined>
  shouldFetchFlagDefinitions(): MaybePromise<boolean>
  onFlagDefinitionsReceived(data: FlagDefinitionCacheData, meta?: FlagDefinitionsMeta): MaybePromise<void>
  shutdown?(): MaybePromise<void>
  /**
   * Called once when polling starts. The provider calls `onChange` when the shared copy
   * changed; the SDK then reads it through `getFlagDefinitions()` at once.
   */
  watchFlagDefinitions?(onChange: () => void): void
  /** The ETag of `data` (an object `getFlagDefinitions()` returned), so a process that becomes the one fetching polls with `If-None-Match`. */
  etagOf?(data: CacheData): string | undefined
}

export interface InMemoryFlagDefinitionCacheOptions {
  /** Stored definitions younger than this are served instead of fetching again. @default 30000 */
  maxAgeMs?: number
  /** Clock, for tests. @default Date.now */
  now?: () => number
}

/**
 * A provider for several clients in one process (workers sharing a module, tests): the
 * first client to need definitions fetches them, the others reuse them until they are
 * `maxAgeMs` old. The same contract a Redis-backed provider implements across processes.
 */
export class InMemoryFlagDefinitionCache implements FlagDefinitionCacheProvider {
  private data: FlagDefinitionCacheData | undefined
  private storedAt = 0
  private leaseUntil = 0
  private readonly maxAgeMs: number
  private readonly now: () => number

  constructor(options: InMemoryFlagDefinitionCacheOptions = {}) {
    this.maxAgeMs = options.maxAgeMs ?? 30_000
    this.now = options.now ?? Date.now
  }

  getFlagDefinitions(): FlagDefinitionCacheData | undefined {
    return this.data
  }

  /** True for exactly one caller per expiry: it takes a short lease so others wait for its result. */
  shouldFetchFlagDefinitions(): boolean {
    const now = this.now()
    if (this.data && now - this.storedAt < this.maxAgeMs) return false
    if (now < this.leaseUntil) return false
    this.leaseUntil = now + Math.min(this.maxAgeMs, 10_000)
    return true
  }

  onFlagDefinitionsReceived(data: FlagDefinitionCacheData): void {
    this.data = data
    this.storedAt = this.now()
    this.leaseUntil = 0
  }

  shutdown(): void {
    this.leaseUntil = 0
  }
}
