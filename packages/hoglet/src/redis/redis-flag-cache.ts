/**
 * Flag definitions shared by a fleet through Redis. One process, the leader, holds a lock with
 * an expiry and is the only one that polls PostHog; it stores each new load with its ETag and
 * bumps a version key. The others check the version key every `syncIntervalMs`, read the copy
 * only when the version moved (so each change is parsed and compiled once per process), and
 * keep evaluating the last copy whatever happens to the leader. A dead leader's lock expires
 * and the next process to poll takes it. When Redis fails, every method throws, which makes
 * the SDK poll PostHog itself until Redis answers again; the change is reported both ways.
 */
import type { FlagDefinitionCacheData, FlagDefinitionCacheProvider, FlagDefinitionsMeta } from '../flags/cache-provider.js'
import { unrefTimer } from '../timers.js'
import { ACQUIRE_OR_RENEW, PUBLISH, RELEASE, RENEW, commandSender, type RedisClientLike, type SendCommand } from './redis-commands.js'

export interface RedisFlagDefinitionCacheOptions {
  /** An ioredis or node-redis client (connected), or a function sending one command. Not closed by the cache. */
  redis: RedisClientLike
  /** Prefix of the cache's keys; use one per PostHog project. @default 'hoglet:flags' */
  keyPrefix?: string
  /** How long the leader's lock lives without renewal: how soon a dead leader is replaced. @default 15000 */
  lockTtlMs?: number
  /** How often the version key is checked (and the leader's lock renewed). @default 500 */
  syncIntervalMs?: number
  /** Timeout of one Redis command. @default 1000 */
  commandTimeoutMs?: number
  /** How long a process without any definitions waits for the leader's first copy before fetching itself. @default 3000 */
  firstCopyWaitMs?: number
  /** Where Redis failures and recoveries are reported. @default console */
  logger?: Pick<Console, 'warn' | 'info'>
  /** Called with each Redis failure that changes the state from available to unavailable. */
  onError?: (error: Error) => void
}

export type RedisCacheRole = 'leader' | 'follower' | 'standalone'

export interface RedisFlagDefinitionCacheStatus {
  /** `standalone` while Redis is unreachable: this process polls PostHog itself. */
  role: RedisCacheRole
  redisAvailable: boolean
  /** Version of the shared copy this process last read or wrote. */
  version: number | undefined
  /** The last Redis failure, while unavailable. */
  lastError: string | undefined
  /** Copies read from Redis and handed to the SDK (each one compiled once). */
  copiesRead: number
  /** Copies this process stored as the leader. */
  copiesWritten: number
}

interface StoredCopy {
  etag?: string
  storedAt: number
  data: FlagDefinitionCacheData
}

export class RedisFlagDefinitionCache implements FlagDefinitionCacheProvider {
  readonly #send: SendCommand
  readonly #keys: { lock: string; copy: string; version: string }
  readonly #owner = crypto.randomUUID()
  readonly #lockTtlMs: number
  readonly #syncIntervalMs: number
  readonly #firstCopyWaitMs: number
  readonly #logger: Pick<Console, 'warn' | 'info'>
  readonly #onError: ((error: Error) => void) | undefined
  #leader = false
  #available = true
  #lastError: string | undefined
  /** The last copy read or written, by version. */
  #copy: { version: number; data: FlagDefinitionCacheData; etag: string | undefined } | undefined
  readonly #etags = new WeakMap<FlagDefinitionCacheData, string>()
  #onChange: (() => void) | undefined
  #timer: ReturnType<typeof setInterval> | undefined
  #ticking = false
  #stopped = false
  #copiesRead = 0
  #copiesWritten = 0

  constructor(options: RedisFlagDefinitionCacheOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError('RedisFlagDefinitionCache needs an options object with a `redis` client.')
    const commandTimeoutMs = positive(options.commandTimeoutMs, 'commandTimeoutMs', 1000)
    this.#send = commandSender(options.redis, commandTimeoutMs)
    const prefix = options.keyPrefix ?? 'hoglet:flags'
    if (typeof prefix !== 'string' || prefix === '') throw new TypeError('The `keyPrefix` option must be a non-empty string.')
    this.#keys = { lock: `${prefix}:leader`, copy: `${prefix}:definitions`, version: `${prefix}:version` }
    this.#lockTtlMs = positive(options.lockTtlMs, 'lockTtlMs', 15_000)
    this.#syncIntervalMs = positive(options.syncIntervalMs, 'syncIntervalMs', 500)
    this.#firstCopyWaitMs = nonNegative(options.firstCopyWaitMs, 'firstCopyWaitMs', 3000)
    if (this.#syncIntervalMs * 2 > this.#lockTtlMs) throw new RangeError('The `lockTtlMs` option must be at least twice `syncIntervalMs`, so the leader renews its lock in time.')
    this.#logger = options.logger ?? console
    this.#onError = options.onError
  }

  /** Where this process stands, for health checks and metrics. */
  status(): RedisFlagDefinitionCacheStatus {
    return {
      role: !this.#available ? 'standalone' : this.#leader ? 'leader' : 'follower',
      redisAvailable: this.#available,
      version: this.#copy?.version,
      lastError: this.#lastError,
      copiesRead: this.#copiesRead,
      copiesWritten: this.#copiesWritten,
    }
  }

  /** True for the lock holder: it alone fetches from PostHog. Throws when Redis fails (the SDK then fetches). */
  async shouldFetchFlagDefinitions(): Promise<boolean> {
    const got = await this.#run(['EVAL', ACQUIRE_OR_RENEW, '1', this.#keys.lock, this.#owner, String(this.#lockTtlMs)])
    const leader = Number(got) === 1
    if (leader && !this.#leader) this.#logger.info?.('hoglet: this process now fetches flag definitions for the fleet (Redis lock taken)')
    this.#leader = leader
    return leader
  }

  /**
   * The shared copy: the same object as long as the version is unchanged, so the SDK compiles
   * each change once. Without any copy yet, waits up to `firstCopyWaitMs` for the leader's.
   */
  async getFlagDefinitions(): Promise<FlagDefinitionCacheData | undefined> {
    const found = await this.#readLatest()
    // Only a process that never had a copy waits (a fleet starting together); others keep theirs.
    if (found || this.#copy || this.#firstCopyWaitMs === 0) return found
    const until = Date.now() + this.#firstCopyWaitMs
    while (Date.now() < until && !this.#stopped) {
      await delay(Math.min(100, this.#syncIntervalMs))
      const copy = await this.#readLatest()
      if (copy) return copy
    }
    return undefined
  }

  /** The leader stores each new load and bumps the version; followers see it within `syncIntervalMs`. */
  async onFlagDefinitionsReceived(data: FlagDefinitionCacheData, meta?: FlagDefinitionsMeta): Promise<void> {
    const stored: StoredCopy = { etag: meta?.etag, storedAt: Date.now(), data }
    // Remembered before the write: if Redis is down now, this is what gets stored once it is back.
    this.#remember(Number.NaN, data, meta?.etag)
    const version = Number(await this.#run(['EVAL', PUBLISH, '2', this.#keys.copy, this.#keys.version, JSON.stringify(stored)]))
    this.#copiesWritten++
    if (this.#copy?.data === data) this.#copy.version = version
  }

  etagOf(data: FlagDefinitionCacheData): string | undefined {
    return this.#etags.get(data)
  }

  watchFlagDefinitions(onChange: () => void): void {
    this.#onChange = onChange
    if (this.#timer || this.#stopped) return
    this.#timer = unrefTimer(setInterval(() => void this.#tick(), this.#syncIntervalMs))
  }

  /** Stops checking and releases the lock when held, so another process takes over at once. Leaves the client open. */
  async shutdown(): Promise<void> {
    this.#stopped = true
    if (this.#timer) clearInterval(this.#timer)
    this.#timer = undefined
    if (!this.#leader) return
    this.#leader = false
    try {
      await this.#send(['EVAL', RELEASE, '1', this.#keys.lock, this.#owner])
    } catch {
      // The lock expires on its own.
    }
  }

  /** Renew the lock (leader) and look for a new version (everyone). */
  async #tick(): Promise<void> {
    if (this.#ticking || this.#stopped) return
    this.#ticking = true
    try {
      if (this.#leader) {
        const kept = Number(await this.#run(['EVAL', RENEW, '1', this.#keys.lock, this.#owner, String(this.#lockTtlMs)])) === 1
        if (!kept) {
          this.#leader = false
          this.#logger.warn('hoglet: the flag definitions lock passed to another process; this one now reads the shared copy')
        }
      }
      const reply = await this.#run(['GET', this.#keys.version])
      const version = reply === null || reply === undefined ? undefined : Number(reply)
      if (version === this.#copy?.version) return
      if (!this.#leader) {
        if (version !== undefined) this.#onChange?.()
        return
      }
      // The leader fetches on its own schedule and never reloads from the copy. It stores its
      // own copy again when Redis lost it (restarted without persistence) or when its last
      // write failed (Redis was down); otherwise it only notes the version another process wrote.
      if (this.#copy && (version === undefined || Number.isNaN(this.#copy.version))) await this.onFlagDefinitionsReceived(this.#copy.data, { etag: this.#copy.etag })
      else await this.#readLatest()
    } catch {
      // Reported by #run; the SDK keeps its definitions and polls PostHog itself meanwhile.
    } finally {
      this.#ticking = false
    }
  }

  async #readLatest(): Promise<FlagDefinitionCacheData | undefined> {
    const version = await this.#run(['GET', this.#keys.version])
    if (version === null || version === undefined) return undefined
    if (this.#copy && Number(version) === this.#copy.version) return this.#copy.data
    const raw = await this.#run(['GET', this.#keys.copy])
    if (typeof raw !== 'string' && !(raw instanceof Uint8Array)) return this.#copy?.data
    const text = typeof raw === 'string' ? raw : new TextDecoder().decode(raw)
    const newline = text.indexOf('\n')
    const stored = parseCopy(text.slice(newline + 1))
    if (!stored) {
      this.#logger.warn(`hoglet: the flag definitions copy in Redis (${this.#keys.copy}) is unreadable; keeping the current definitions`)
      return this.#copy?.data
    }
    this.#copiesRead++
    this.#remember(Number(text.slice(0, newline)), stored.data, stored.etag)
    return stored.data
  }

  #remember(version: number, data: FlagDefinitionCacheData, etag: string | undefined): void {
    this.#copy = { version, data, etag }
    if (etag) this.#etags.set(data, etag)
  }

  /** Sends one command, tracking whether Redis is available and reporting each change of state once. */
  async #run(args: string[]): Promise<unknown> {
    try {
      const reply = await this.#send(args)
      if (!this.#available) {
        this.#available = true
        this.#lastError = undefined
        this.#logger.info?.('hoglet: Redis answers again; the fleet shares one copy of the flag definitions again')
      }
      return reply
    } catch (cause) {
      const message = cause instanceof Error ? cause.message : String(cause)
      this.#lastError = message
      if (this.#available) {
        this.#available = false
        this.#leader = false
        const error = new Error(`hoglet: Redis is unavailable (${message}); this process keeps its flag definitions and polls PostHog itself until Redis is back`, { cause })
        this.#logger.warn(error.message)
        try {
          this.#onError?.(error)
        } catch {
          // A throwing handler must not break the cache.
        }
      }
      throw cause
    }
  }
}

function parseCopy(json: string): StoredCopy | undefined {
  try {
    const stored = JSON.parse(json) as Partial<StoredCopy> & { data?: Record<string, unknown> }
    const data = stored?.data
    if (!data || typeof data !== 'object' || !Array.isArray(data.flags)) return undefined
    // Accept the flag-definitions endpoint's snake_case names too (posthog-node writes both).
    const normalised: FlagDefinitionCacheData = {
      flags: data.flags as FlagDefinitionCacheData['flags'],
      groupTypeMapping: (data.groupTypeMapping ?? data.group_type_mapping ?? {}) as Record<string, string>,
      cohorts: (data.cohorts ?? {}) as FlagDefinitionCacheData['cohorts'],
    }
    const minimal = data.minimalFlagCalledEvents ?? data.minimal_flag_called_events
    if (typeof minimal === 'boolean') normalised.minimalFlagCalledEvents = minimal
    return { etag: typeof stored.etag === 'string' ? stored.etag : undefined, storedAt: Number(stored.storedAt) || 0, data: normalised }
  } catch {
    return undefined
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => unrefTimer(setTimeout(resolve, ms)))
}

function positive(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new RangeError(`The \`${name}\` option must be a positive number of milliseconds.`)
  return value
}

function nonNegative(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new RangeError(`The \`${name}\` option must be a non-negative number of milliseconds.`)
  return value
}
