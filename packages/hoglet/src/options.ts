import { createDefaultLogger, guardLogger, type Logger } from './logger.js'
import { MAX_TIMER_MS } from './timers.js'
import type { WireEvent } from './event.js'

/** A `fetch`-compatible function: the only way hoglet talks to the network. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>

/**
 * Receives each event just before it is queued. Return the event (changed or not) to keep it,
 * or `null` to drop it (counted as `before_send`). A throwing function drops the event too.
 */
export type BeforeSendFn = (event: WireEvent) => WireEvent | null

import type { FlagDefinitionCacheProvider } from './flags/cache-provider.js'

/** Shares flag definitions between processes (for example through Redis); see `flags/cache-provider.ts`. */
export type { FlagDefinitionCacheProvider }

/** Options of `new PostHog(apiKey, options)`. Every field is optional. */
export interface PostHogOptions {
  /**
   * Where events and flag requests go: PostHog Cloud, a self-hosted PostHog, or hoglet-server.
   * Whitespace and a trailing slash are trimmed.
   * @default 'https://us.i.posthog.com'
   */
  host?: string
  /**
   * Start a background flush as soon as this many events are queued.
   * @default 20
   */
  flushAt?: number
  /**
   * Flush queued events at least this often, in milliseconds (the timer never keeps the process
   * alive). `0` turns the timer off.
   * @default 5000
   */
  flushInterval?: number
  /**
   * Most events in one request. Raised to `flushAt` if smaller. Requests are also cut at 5 MiB.
   * @default 100
   */
  maxBatchSize?: number
  /**
   * Most events waiting to be sent. When full, the oldest queued event is dropped, counted as
   * `queue_full` and reported.
   * @default 10000
   */
  maxQueueSize?: number
  /**
   * Abort a capture request after this many milliseconds (it is then retried).
   * @default 10000
   */
  requestTimeout?: number
  /**
   * Retries after a failed capture request (network error, timeout, 408, 429, 5xx), so a batch
   * is tried at most `fetchRetryCount + 1` times.
   * @default 3
   */
  fetchRetryCount?: number
  /**
   * Base delay before the first retry, in milliseconds; it doubles on every retry (with ±25 %
   * jitter), up to `fetchRetryMaxDelay`. A longer `Retry-After` is honoured up to that cap.
   * @default 1000
   */
  fetchRetryDelay?: number
  /**
   * Longest wait between two attempts, in milliseconds; also caps `Retry-After`.
   * @default 30000
   */
  fetchRetryMaxDelay?: number
  /**
   * Send request bodies uncompressed. By default they are gzipped (`Content-Encoding: gzip`)
   * where the runtime can compress.
   * @default false
   */
  disableCompression?: boolean
  /**
   * Ask PostHog not to resolve a location from the request IP (`$geoip_disable: true`). Each call
   * can override it with `disableGeoip`.
   * @default true
   */
  disableGeoip?: boolean
  /**
   * Mark every batch as a historical import (`historical_migration: true`).
   * @default false
   */
  historicalMigration?: boolean
  /**
   * Send nothing and make no request at all. A blank api key also disables the client (with a warning).
   * @default false
   */
  disabled?: boolean
  /**
   * Let the logger's `debug` and `info` through.
   * @default false
   */
  debug?: boolean
  /**
   * The `fetch` used for every request; pass one to add a proxy, an agent or keep-alive settings.
   * @default globalThis.fetch
   */
  fetch?: FetchLike
  /**
   * Where hoglet logs. `debug`/`info` are only called when `debug` is on.
   * @default console for warn and error, nothing below
   */
  logger?: Logger
  /**
   * Called with every error hoglet reports: refused calls, dropped events, failed requests.
   * It runs inside the SDK; a throwing callback is ignored.
   * @default undefined
   */
  onError?: (error: Error) => void
  /**
   * Change or drop each event before it is queued; a function or a list applied in order.
   * @default undefined
   */
  beforeSend?: BeforeSendFn | BeforeSendFn[]
  /**
   * Properties added to every event (explicit event and context properties win). Change them
   * later with `register()` / `unregister()`.
   * @default {}
   */
  superProperties?: Record<string, unknown>
  /**
   * Serverless mode: every capture is sent at once (no batching wait) and `flush()` awaits it.
   * @default false
   */
  syncMode?: boolean
  /**
   * Flush queued events when the process is about to exit on its own (Node's `beforeExit`).
   * It cannot help with `process.exit()` or a kill: call `shutdown()` for those.
   * @default false
   */
  flushOnExit?: boolean
  /**
   * On SIGTERM or SIGINT (Node), shut down within `shutdownTimeoutMs`, then let the signal take
   * its default course (the process ends with the signal's exit code), unless the program has
   * its own listener for that signal. A second signal ends the process at once.
   * @default false
   */
  flushOnSignals?: boolean
  /**
   * Default budget of `shutdown()` in milliseconds.
   * @default 30000
   */
  shutdownTimeoutMs?: number
  /**
   * Where queued events live. `'memory'`: in the process only. `'file'` (Node, Bun, Deno): each
   * event is also written to an append-only spool file in `persistenceDir` before `capture()`
   * returns, so events survive a crash, a kill or a deploy and are sent by the next process
   * that starts on the same directory.
   * @default 'memory'
   */
  persistence?: 'memory' | 'file'
  /**
   * Directory of the file spool (`persistence: 'file'`). Processes may share it: each client
   * writes into its own subdirectory (named by api key, host and process) and takes over those
   * of processes that are no longer running.
   * @default `<os temp dir>/hoglet-spool`
   */
  persistenceDir?: string
  /**
   * When the spool file is flushed to the disk (fsync). `'batch'`: once per batch sent, off the
   * event loop (a kill loses nothing; a power cut can lose the events since the last batch).
   * `'always'`: after every event (survives a power cut; about a millisecond per event).
   * `'never'`: left to the operating system.
   * @default 'batch'
   */
  persistenceFsync?: 'batch' | 'always' | 'never'
  /**
   * Most bytes of undelivered events the spool keeps; past it the oldest events are dropped
   * (counted as `queue_full`).
   * @default 67108864 (64 MiB)
   */
  persistenceMaxBytes?: number

  // ---- Feature flags ----
  /**
   * Project secret key (`phs_…`) or personal API key (`phx_…`): enables local flag evaluation
   * and remote config. A project api key (`phc_…`) is refused.
   * @default undefined
   */
  secretKey?: string
  /**
   * Older name of `secretKey`.
   * @default undefined
   */
  personalApiKey?: string
  /**
   * Poll flag definitions and evaluate flags locally when a secret key is set. `false` keeps
   * the key for remote config only.
   * @default true
   */
  enableLocalEvaluation?: boolean
  /**
   * How often flag definitions are polled, in milliseconds (minimum 100).
   * @default 30000
   */
  featureFlagsPollingInterval?: number
  /**
   * Timeout of a remote `/flags` request, in milliseconds.
   * @default 3000
   */
  featureFlagsRequestTimeoutMs?: number
  /**
   * Retries of a remote `/flags` request after a network error, 502 or 504.
   * @default 1
   */
  featureFlagsRequestMaxRetries?: number
  /**
   * Timeout of a remote config request, in milliseconds.
   * @default 3000
   */
  remoteConfigRequestTimeoutMs?: number
  /**
   * Never fall back to the server when a flag cannot be evaluated locally: answer `undefined`.
   * Each flag call can also pass `onlyEvaluateLocally`.
   * @default false
   */
  strictLocalEvaluation?: boolean
  /**
   * Shared store for flag definitions across processes.
   * @default undefined (each process polls)
   */
  flagDefinitionCacheProvider?: FlagDefinitionCacheProvider
  /**
   * Send a `$feature_flag_called` event the first time a person sees a flag value.
   * @default true
   */
  sendFeatureFlagEvent?: boolean
  /**
   * Distinct ids remembered to deduplicate `$feature_flag_called` events.
   * @default 50000
   */
  maxCacheSize?: number
  /**
   * Evaluation contexts sent with remote flag requests (`evaluation_contexts`).
   * @default undefined
   */
  evaluationContexts?: string[]

  // ---- Exceptions ----
  /**
   * Capture uncaught exceptions and unhandled rejections as `$exception` events.
   * @default false
   */
  enableExceptionAutocapture?: boolean
  /**
   * Exceptions of one type that can be captured in a burst before rate limiting.
   * @default 10
   */
  exceptionRateLimiterBucketSize?: number
  /**
   * Exceptions of one type let through again every 10 seconds once the bucket is empty.
   * @default 1
   */
  exceptionRateLimiterRefillRate?: number
}

/** The options after validation and defaults: what the rest of hoglet reads. */
export interface ResolvedOptions {
  readonly apiKey: string
  readonly host: string
  readonly flushAt: number
  readonly flushInterval: number
  readonly maxBatchSize: number
  readonly maxQueueSize: number
  readonly requestTimeout: number
  readonly fetchRetryCount: number
  readonly fetchRetryDelay: number
  readonly fetchRetryMaxDelay: number
  readonly disableCompression: boolean
  readonly disableGeoip: boolean
  readonly historicalMigration: boolean
  readonly disabled: boolean
  readonly debug: boolean
  readonly fetch: FetchLike
  readonly logger: Logger
  readonly onError: ((error: Error) => void) | undefined
  readonly beforeSend: readonly BeforeSendFn[]
  readonly superProperties: Readonly<Record<string, unknown>>
  readonly syncMode: boolean
  readonly flushOnExit: boolean
  readonly flushOnSignals: boolean
  readonly shutdownTimeoutMs: number
  readonly persistence: 'memory' | 'file'
  readonly persistenceDir: string | undefined
  readonly persistenceFsync: 'batch' | 'always' | 'never'
  readonly persistenceMaxBytes: number
  readonly secretKey: string | undefined
  readonly enableLocalEvaluation: boolean
  readonly featureFlagsPollingInterval: number
  readonly featureFlagsRequestTimeoutMs: number
  readonly featureFlagsRequestMaxRetries: number
  readonly remoteConfigRequestTimeoutMs: number
  readonly strictLocalEvaluation: boolean
  readonly flagDefinitionCacheProvider: FlagDefinitionCacheProvider | undefined
  readonly sendFeatureFlagEvent: boolean
  readonly maxCacheSize: number
  readonly evaluationContexts: readonly string[] | undefined
  readonly enableExceptionAutocapture: boolean
  readonly exceptionRateLimiterBucketSize: number
  readonly exceptionRateLimiterRefillRate: number
}

export const DEFAULT_HOST = 'https://us.i.posthog.com'

/**
 * Validates the options once and fills in defaults. Throws `TypeError` (wrong type) or
 * `RangeError` (out of range) naming the option, so bad configuration fails at start-up.
 */
export function resolveOptions(apiKey: unknown, options: PostHogOptions | undefined): ResolvedOptions {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new TypeError('The `options` argument must be an object.')
  }
  const o = options ?? {}
  if (apiKey !== undefined && apiKey !== null && typeof apiKey !== 'string') {
    throw new TypeError('The `apiKey` argument must be a string.')
  }
  const debug = bool(o, 'debug', false)
  if (o.logger !== undefined) {
    const l = o.logger as Partial<Logger> | null
    if (!l || typeof l !== 'object' || (['debug', 'info', 'warn', 'error'] as const).some((k) => typeof l[k] !== 'function')) {
      throw new TypeError('The `logger` option must have `debug`, `info`, `warn` and `error` functions.')
    }
  }
  const logger = guardLogger(o.logger ?? createDefaultLogger(debug), debug)

  const key = typeof apiKey === 'string' ? apiKey.trim() : ''
  let disabled = bool(o, 'disabled', false)
  if (!key && !disabled) {
    logger.warn('No api key was given: the client is disabled and sends nothing.')
    disabled = true
  }

  const flushAt = int(o, 'flushAt', 20, 1)
  const secretKey = optString(o, 'secretKey') ?? optString(o, 'personalApiKey')
  if (secretKey !== undefined && secretKey.startsWith('phc_')) {
    throw new TypeError(
      `The \`${o.secretKey !== undefined ? 'secretKey' : 'personalApiKey'}\` option must be a secret or personal API key (phs_/phx_), not the project api key (phc_).`,
    )
  }

  const fetchFn = o.fetch ?? (globalThis.fetch as FetchLike | undefined)
  if (o.fetch !== undefined && typeof o.fetch !== 'function') throw new TypeError('The `fetch` option must be a function.')
  if (typeof fetchFn !== 'function' && !disabled) {
    throw new TypeError('No global `fetch` exists in this runtime: pass the `fetch` option.')
  }

  if (o.onError !== undefined && typeof o.onError !== 'function') throw new TypeError('The `onError` option must be a function.')

  const beforeSend = o.beforeSend === undefined ? [] : Array.isArray(o.beforeSend) ? o.beforeSend : [o.beforeSend]
  if (beforeSend.some((fn) => typeof fn !== 'function')) {
    throw new TypeError('The `beforeSend` option must be a function or an array of functions.')
  }

  const superProperties = o.superProperties ?? {}
  if (!isPlainObject(superProperties)) throw new TypeError('The `superProperties` option must be a plain object.')

  const provider = o.flagDefinitionCacheProvider
  if (provider !== undefined && (provider === null || typeof provider !== 'object')) {
    throw new TypeError('The `flagDefinitionCacheProvider` option must be an object.')
  }
  const evaluationContexts = o.evaluationContexts
  if (evaluationContexts !== undefined && (!Array.isArray(evaluationContexts) || evaluationContexts.some((c) => typeof c !== 'string'))) {
    throw new TypeError('The `evaluationContexts` option must be an array of strings.')
  }

  return Object.freeze({
    apiKey: key,
    host: resolveHost(o.host),
    flushAt,
    flushInterval: timerMs(o, logger, 'flushInterval', 5000, 0),
    maxBatchSize: Math.max(int(o, 'maxBatchSize', 100, 1), flushAt),
    maxQueueSize: int(o, 'maxQueueSize', 10_000, 1),
    requestTimeout: timerMs(o, logger, 'requestTimeout', 10_000, 1),
    fetchRetryCount: int(o, 'fetchRetryCount', 3, 0),
    fetchRetryDelay: timerMs(o, logger, 'fetchRetryDelay', 1000, 0),
    fetchRetryMaxDelay: timerMs(o, logger, 'fetchRetryMaxDelay', 30_000, 0),
    disableCompression: bool(o, 'disableCompression', false),
    disableGeoip: bool(o, 'disableGeoip', true),
    historicalMigration: bool(o, 'historicalMigration', false),
    disabled,
    debug,
    fetch: fetchFn as FetchLike,
    logger,
    onError: o.onError,
    beforeSend: Object.freeze([...beforeSend]),
    superProperties: Object.freeze({ ...superProperties }),
    syncMode: bool(o, 'syncMode', false),
    flushOnExit: bool(o, 'flushOnExit', false),
    flushOnSignals: bool(o, 'flushOnSignals', false),
    shutdownTimeoutMs: timerMs(o, logger, 'shutdownTimeoutMs', 30_000, 0),
    persistence: oneOf(o, 'persistence', ['memory', 'file'] as const, 'memory'),
    persistenceDir: optString(o, 'persistenceDir'),
    persistenceFsync: oneOf(o, 'persistenceFsync', ['batch', 'always', 'never'] as const, 'batch'),
    persistenceMaxBytes: int(o, 'persistenceMaxBytes', 64 * 1024 * 1024, 4096),
    secretKey,
    enableLocalEvaluation: bool(o, 'enableLocalEvaluation', true),
    featureFlagsPollingInterval: timerMs(o, logger, 'featureFlagsPollingInterval', 30_000, 100),
    featureFlagsRequestTimeoutMs: timerMs(o, logger, 'featureFlagsRequestTimeoutMs', 3000, 1),
    featureFlagsRequestMaxRetries: int(o, 'featureFlagsRequestMaxRetries', 1, 0),
    remoteConfigRequestTimeoutMs: timerMs(o, logger, 'remoteConfigRequestTimeoutMs', 3000, 1),
    strictLocalEvaluation: bool(o, 'strictLocalEvaluation', false),
    flagDefinitionCacheProvider: provider,
    sendFeatureFlagEvent: bool(o, 'sendFeatureFlagEvent', true),
    maxCacheSize: int(o, 'maxCacheSize', 50_000, 1),
    evaluationContexts: evaluationContexts ? Object.freeze([...evaluationContexts]) : undefined,
    enableExceptionAutocapture: bool(o, 'enableExceptionAutocapture', false),
    exceptionRateLimiterBucketSize: int(o, 'exceptionRateLimiterBucketSize', 10, 1),
    exceptionRateLimiterRefillRate: num(o, 'exceptionRateLimiterRefillRate', 1, 0),
  })
}

function resolveHost(host: unknown): string {
  if (host === undefined) return DEFAULT_HOST
  if (typeof host !== 'string') throw new TypeError('The `host` option must be a string.')
  const trimmed = host.trim().replace(/\/+$/, '')
  if (!trimmed) return DEFAULT_HOST
  let url: URL
  try {
    url = new URL(trimmed)
  } catch {
    throw new TypeError(`The \`host\` option must be an absolute http(s) URL, got ${JSON.stringify(host)}.`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`The \`host\` option must use http or https, got ${JSON.stringify(host)}.`)
  }
  return trimmed
}

type Bag = Record<string, unknown>

function bool(o: PostHogOptions, name: keyof PostHogOptions, fallback: boolean): boolean {
  const value = (o as Bag)[name]
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') throw new TypeError(`The \`${name}\` option must be a boolean, got ${typeof value}.`)
  return value
}

function num(o: PostHogOptions, name: keyof PostHogOptions, fallback: number, min: number): number {
  const value = (o as Bag)[name]
  if (value === undefined) return fallback
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`The \`${name}\` option must be a number, got ${typeof value}.`)
  }
  if (value < min || !Number.isFinite(value)) {
    throw new RangeError(`The \`${name}\` option must be a finite number ≥ ${min}, got ${value}.`)
  }
  return value
}

function int(o: PostHogOptions, name: keyof PostHogOptions, fallback: number, min: number): number {
  const value = num(o, name, fallback, min)
  if (!Number.isInteger(value)) throw new RangeError(`The \`${name}\` option must be an integer, got ${value}.`)
  return value
}

/**
 * A duration option used as a timer delay. Timers cannot wait longer than 2^31 − 1 ms (Node,
 * browsers: a longer delay fires after 1 ms), so a longer value, Infinity included, is clamped
 * to that with a warning; posthog-node accepts such values, so they are not refused.
 */
function timerMs(o: PostHogOptions, logger: Logger, name: keyof PostHogOptions, fallback: number, min: number): number {
  const value = (o as Bag)[name]
  if (typeof value === 'number' && value > MAX_TIMER_MS) {
    logger.warn(`The \`${name}\` option (${value}) is longer than a timer can wait; ${MAX_TIMER_MS} ms (about 24.8 days) is used.`)
    return MAX_TIMER_MS
  }
  return int(o, name, fallback, min)
}

function oneOf<T extends string>(o: PostHogOptions, name: keyof PostHogOptions, values: readonly T[], fallback: T): T {
  const value = (o as Bag)[name]
  if (value === undefined) return fallback
  if (!values.includes(value as T)) throw new TypeError(`The \`${name}\` option must be one of ${values.map((v) => `'${v}'`).join(', ')}, got ${JSON.stringify(value)}.`)
  return value as T
}

function optString(o: PostHogOptions, name: keyof PostHogOptions): string | undefined {
  const value = (o as Bag)[name]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string') throw new TypeError(`The \`${name}\` option must be a string.`)
  return value.trim() || undefined
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}
