import { createDefaultLogger, guardLogger, type Logger, type SwitchableLogger } from './logger.js'
import type { WireEvent } from './event.js'
import type { optionNameWarnings } from './option-names.js'
import { lazyModule } from './lazy-module.js'
import { MAX_TIMER_MS } from './timers.js'
import { beforeSendAdapter, type BeforeSendFn } from './before-send.js'

export type { BeforeSendFn, BeforeSendMessage } from './before-send.js'

import type { FetchLike } from './fetch-types.js'

export type { FetchLike, FetchOptions, FetchResponse } from './fetch-types.js'

/**
 * hoglet's wire-level hook: receives each event exactly as it will be sent (`distinct_id`,
 * `$lib` fields, ISO timestamp) just before it is queued. Return the event (changed or not) to
 * keep it, or `null` to drop it (counted as `before_send`). A throwing function drops the event too.
 */
export type WireBeforeSendFn = (event: WireEvent) => WireEvent | null

/** Values of `persistence`: where queued events live. `'file'` is hoglet's durable spool (Node, Bun, Deno). */
export const PERSISTENCE_VALUES = ['memory', 'file'] as const
export type Persistence = (typeof PERSISTENCE_VALUES)[number]

import type { FlagDefinitionCacheInput, FlagDefinitionCacheProvider } from './flags/cache-provider.js'

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
   * Start a background flush as soon as this many events are queued (`0` means the default, as
   * in posthog-node).
   * @default 20
   */
  flushAt?: number
  /**
   * Flush queued events at least this often, in milliseconds (the timer never keeps the process
   * alive). `0` turns the timer off; a negative value sends each event as soon as the current
   * tick ends (posthog-node's meaning: a timer of about 1 ms).
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
   * Abort a capture request after this many milliseconds (it is then retried). `0` (or less):
   * no time limit per attempt.
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
   * Capture protocol: `v0` sends batches to `/batch/`; `v1` sends them to Capture v1
   * (`/i/v1/analytics/events`), which answers per event, so only the events the server asks
   * for are sent again. LLM-analytics events stay on `/i/v0/ai/batch/` either way. Without
   * this option, the `POSTHOG_CAPTURE_MODE` environment variable decides, as in posthog-node.
   * @default 'v0'
   */
  captureMode?: 'v0' | 'v1'
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
   * Change or drop each event (in its wire form) before it is queued; a function or a list
   * applied in order, after `before_send`.
   * @default undefined
   */
  beforeSend?: WireBeforeSendFn | WireBeforeSendFn[]
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
   * Serverless and edge platforms: the platform's way to keep an invocation alive for work that
   * outlives the response (`ctx.waitUntil` on Cloudflare Workers, `waitUntil` from
   * `@vercel/functions`). Captures then schedule a debounced flush whose promise is handed to it,
   * so a handler need not await delivery. A `waitUntil` that throws (outside a request) is ignored.
   * @default undefined
   */
  waitUntil?: (promise: Promise<unknown>) => void
  /**
   * With `waitUntil`: how long after the last capture the flush starts (negative counts as 0).
   * @default 50
   */
  waitUntilDebounceMs?: number
  /**
   * With `waitUntil`: the longest a flush is put off by a steady stream of captures (negative counts as 0).
   * @default 500
   */
  waitUntilMaxWaitMs?: number
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

  // ---- Feature flags ----
  /**
   * posthog-node's name for the event hook: each function gets the event as a capture message
   * (`distinctId`, `event`, `properties`, `groups`, `timestamp`, `uuid`) and returns it (changed or
   * not) or `null` to drop it (counted as `before_send`). Runs before `beforeSend`.
   * @default undefined
   */
  before_send?: BeforeSendFn | BeforeSendFn[]
  /**
   * `false`: send nothing until `optIn()` (consent); `optOut()` stops sending again.
   * @default true
   */
  defaultOptIn?: boolean
  /**
   * Where queued events live until they are sent. `'memory'`: in the process only. `'file'`
   * (Node, Bun, Deno): each event is also written to an append-only spool file in
   * `persistenceDir` before `capture()` returns, so events survive a crash, a kill or a deploy
   * and are sent by the next client started on the same directory.
   * @default 'memory'
   */
  persistence?: Persistence
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
  /**
   * Accepted for posthog-node compatibility. A server SDK sends what you capture; mark an event
   * personless with `$process_person_profile: false`. posthog-node does nothing with it either.
   * @default 'identified_only'
   */
  personProfiles?: 'always' | 'identified_only' | 'never'
  /**
   * Read by PostHog's AI integrations (`@posthog/ai`) through `client.privacyMode`: redact prompts
   * and outputs from the events they capture.
   * @default false
   */
  privacyMode?: boolean
  /**
   * Read by PostHog's AI integrations through `client.enableFullAiCapture`.
   * @default false
   */
  enableFullAiCapture?: boolean
  /**
   * Add `$is_server: true` to every event. `false` (a CLI, a desktop app) leaves it out.
   * @default true
   */
  isServer?: boolean
  /**
   * Extra user-agent substrings treated as bots by `__preview_capture_bot_pageviews`.
   * @default []
   */
  custom_blocked_useragents?: string[]
  /**
   * Preview (as in posthog-node): a `$pageview` whose `$raw_user_agent` is a bot's is sent as
   * `$bot_pageview` with `$browser_type: 'bot'`.
   * @default false
   */
  __preview_capture_bot_pageviews?: boolean
  /** Accepted as posthog-node accepts it; no effect on a server (as in posthog-node). */
  disableRemoteConfig?: boolean
  /** Accepted as posthog-node accepts it; no effect on a server (as in posthog-node). */
  disableSurveys?: boolean
  /** Accepted as posthog-node accepts it; no effect on a server (as in posthog-node). */
  sessionExpirationTimeSeconds?: number
  /** Accepted as posthog-node accepts it; no effect on a server (as in posthog-node). */
  addTracingHeaders?: string[]

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
   * How often flag definitions are polled, in milliseconds; shorter intervals are raised to
   * 100. `null` turns polling off: definitions are loaded once (retried until they load), then
   * only by `reloadFeatureFlags()`.
   * @default 30000
   */
  featureFlagsPollingInterval?: number | null
  /**
   * Load flag definitions as soon as the client is built. `false` waits for the first flag
   * call (or `reloadFeatureFlags()` / `waitForLocalEvaluationReady()`).
   * @default true
   */
  preloadFeatureFlags?: boolean
  /**
   * Never ask PostHog's `/flags` endpoint: flags come from local definitions, overrides and
   * `bootstrap` only (like `strictLocalEvaluation`, for every call, including `sendFeatureFlags`).
   * @default false
   */
  disableRemoteFeatureFlags?: boolean
  /**
   * Flag values (and payloads) answered for any distinct id when neither local definitions nor
   * `/flags` can answer: before definitions load with remote evaluation off, or when `/flags` fails.
   * `distinctId` and `isIdentifiedId` are accepted for posthog-node compatibility and unused.
   * @default undefined
   */
  bootstrap?: {
    distinctId?: string
    isIdentifiedId?: boolean
    featureFlags?: Record<string, boolean | string>
    featureFlagPayloads?: Record<string, unknown>
  }
  /**
   * Keep the last good value of each flag per distinct id and answer it when `/flags` fails
   * (timeout, network, 5xx, quota), while younger than `maxAgeMs`. Forgotten when new
   * definitions load. `true` uses the defaults.
   * @default false (maxAgeMs 3600000, maxDistinctIds 10000 when on)
   */
  staleFlagFallback?: boolean | { maxAgeMs?: number; maxDistinctIds?: number }
  /**
   * Let `FeatureFlagEvaluations.only()` warn about keys that are not in the snapshot.
   * @default true
   */
  featureFlagsLogWarnings?: boolean
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
   * The project's IANA timezone (its setting in PostHog), for local evaluation of date filters:
   * naive dates are read, and relative dates (`-7d`) computed, on its wall clock, as PostHog's
   * server does. Definitions that carry a timezone (hoglet-server's) take precedence.
   * @default 'UTC'
   */
  featureFlagsTimezone?: string
  /**
   * Shared store for flag definitions across processes.
   * @default undefined (each process polls)
   */
  flagDefinitionCacheProvider?: FlagDefinitionCacheProvider<FlagDefinitionCacheInput>
  /**
   * A file for the last-known-good flag definitions (Node, Bun, Deno): written atomically after
   * each load, and read when the process starts while PostHog cannot be reached, so local
   * evaluation works from the first call. Newer definitions from PostHog always replace it.
   * @default undefined (no file)
   */
  flagDefinitionsBackupPath?: string
  /**
   * The oldest backup copy (by when it was saved) that is used at start, in milliseconds.
   * @default 604800000 (7 days)
   */
  flagDefinitionsBackupMaxAgeMs?: number
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
   * Evaluation contexts of this SDK (`evaluation_contexts` in `/flags` requests): flags tagged
   * for other contexts are left out, locally as PostHog leaves them out remotely.
   * @default undefined
   */
  evaluationContexts?: readonly string[]
  /**
   * Older name of `evaluationContexts`.
   * @default undefined
   */
  evaluationEnvironments?: readonly string[]

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

  // ---- Integrations ----
  /**
   * Request integrations (Express, NestJS, `posthogHonoMiddleware`) read the person and session
   * from posthog-js's `ph_<token>_posthog` cookie when a request has no `X-POSTHOG-*` header:
   * the distinct id only once the visitor is identified, the session id only while it is
   * recent; nothing when the consent cookie says opted out (or, with
   * `optOutCapturingByDefault`, when it does not say opted in).
   * @default false
   */
  readPostHogCookie?: boolean | { sessionIdleTimeoutSeconds?: number; optOutCapturingByDefault?: boolean }
  /**
   * Request integrations leave the `#hash` out of `$current_url` and `$request_path`.
   * @default false
   */
  disable_capture_url_hashes?: boolean
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
  /** Undefined: `POSTHOG_CAPTURE_MODE` decides (read through the runtime). */
  readonly captureMode: 'v0' | 'v1' | undefined
  readonly disabled: boolean
  readonly debug: boolean
  readonly fetch: FetchLike
  /** True when the caller passed `fetch`: every request then goes through it. */
  readonly fetchGiven: boolean
  readonly logger: SwitchableLogger
  readonly onError: ((error: Error) => void) | undefined
  /** `before_send` (adapted to the wire form) followed by `beforeSend`. */
  readonly beforeSend: readonly WireBeforeSendFn[]
  readonly defaultOptIn: boolean
  readonly persistence: Persistence
  readonly persistenceDir: string | undefined
  readonly persistenceFsync: 'batch' | 'always' | 'never'
  readonly persistenceMaxBytes: number
  readonly flushOnSignals: boolean
  readonly privacyMode: boolean
  readonly enableFullAiCapture: boolean
  readonly isServer: boolean
  /** When `__preview_capture_bot_pageviews` is on, the lower-cased `custom_blocked_useragents` (checked besides the built-in list), else undefined. */
  readonly botUserAgents: readonly string[] | undefined
  readonly superProperties: Readonly<Record<string, unknown>>
  readonly syncMode: boolean
  readonly flushOnExit: boolean
  readonly waitUntil: ((promise: Promise<unknown>) => void) | undefined
  readonly waitUntilDebounceMs: number
  readonly waitUntilMaxWaitMs: number
  readonly shutdownTimeoutMs: number
  readonly secretKey: string | undefined
  readonly enableLocalEvaluation: boolean
  readonly featureFlagsPollingInterval: number | null
  readonly preloadFeatureFlags: boolean
  readonly disableRemoteFeatureFlags: boolean
  readonly bootstrap: { readonly featureFlags: Readonly<Record<string, boolean | string>>; readonly featureFlagPayloads: Readonly<Record<string, unknown>> } | undefined
  readonly staleFlagFallback: { readonly maxAgeMs: number; readonly maxDistinctIds: number } | undefined
  readonly featureFlagsLogWarnings: boolean
  readonly featureFlagsRequestTimeoutMs: number
  readonly featureFlagsRequestMaxRetries: number
  readonly remoteConfigRequestTimeoutMs: number
  readonly strictLocalEvaluation: boolean
  readonly featureFlagsTimezone: string | undefined
  readonly flagDefinitionCacheProvider: FlagDefinitionCacheProvider<FlagDefinitionCacheInput> | undefined
  readonly flagDefinitionsBackupPath: string | undefined
  readonly flagDefinitionsBackupMaxAgeMs: number
  readonly sendFeatureFlagEvent: boolean
  readonly maxCacheSize: number
  readonly evaluationContexts: readonly string[] | undefined
  readonly enableExceptionAutocapture: boolean
  readonly exceptionRateLimiterBucketSize: number
  readonly exceptionRateLimiterRefillRate: number
  readonly readPostHogCookie: false | { readonly sessionIdleTimeoutSeconds?: number; readonly optOutCapturingByDefault?: boolean }
  readonly disable_capture_url_hashes: boolean
}

// ---- Validation: one table (an entry per option: its kind, default and bounds), one checker per kind ----

/** Flags of a number option: an integer; a timer delay (clamped to what a timer can wait, with a warning); negatives count as 0. */
const INT = 1
const TIMER = 2
const NOT_NEGATIVE = 4

/** Kinds of option. */
const BOOL = 0
/** `[NUM, default, flags, minimum (none when absent)]`: `null` counts as not given, as posthog-node reads these with `??`; NaN, infinities and values under the minimum are refused. */
const NUM = 1
/** `[CHOICE, values, default, whether null counts as not given]`. */
const CHOICE = 2
/** A string, trimmed; blank or `null` counts as not given. */
const STR = 3
const FN = 4
/** A function or an array of functions. */
const FNS = 5
/** An array of strings (`null`: not given). */
const LIST = 6
const OBJ = 7
/** Read by rules of their own below, or accepted as posthog-node accepts them (with no effect). */
const OWN = 8

type Spec =
  | readonly [typeof BOOL, boolean]
  | readonly [typeof NUM, number, number, number?]
  | readonly [typeof CHOICE, readonly string[], string | undefined, boolean]
  | readonly [typeof STR | typeof FN | typeof FNS | typeof LIST | typeof OBJ | typeof OWN]

/** Every option of `PostHogOptions` (the compiler checks that none is left out and none is extra). */
const OPTIONS = {
  host: [OWN], logger: [OWN], superProperties: [OWN], bootstrap: [OWN], staleFlagFallback: [OWN], readPostHogCookie: [OWN],
  featureFlagsPollingInterval: [OWN], disableRemoteConfig: [OWN], disableSurveys: [OWN], sessionExpirationTimeSeconds: [OWN], addTracingHeaders: [OWN],
  debug: [BOOL, false], disabled: [BOOL, false], isServer: [BOOL, true], __preview_capture_bot_pageviews: [BOOL, false],
  disableCompression: [BOOL, false], disableGeoip: [BOOL, true], historicalMigration: [BOOL, false], defaultOptIn: [BOOL, true],
  flushOnSignals: [BOOL, false], privacyMode: [BOOL, false], enableFullAiCapture: [BOOL, false], syncMode: [BOOL, false], flushOnExit: [BOOL, false],
  enableLocalEvaluation: [BOOL, true], preloadFeatureFlags: [BOOL, true], disableRemoteFeatureFlags: [BOOL, false],
  featureFlagsLogWarnings: [BOOL, true], strictLocalEvaluation: [BOOL, false], sendFeatureFlagEvent: [BOOL, true],
  enableExceptionAutocapture: [BOOL, false], disable_capture_url_hashes: [BOOL, false],
  flushAt: [NUM, 20, 0],
  requestTimeout: [NUM, 10_000, TIMER | NOT_NEGATIVE], // 0 (or less): no limit
  flushInterval: [NUM, 5000, TIMER], // negative: posthog-node's "as soon as the tick ends"
  maxBatchSize: [NUM, 100, 0],
  maxQueueSize: [NUM, 10_000, 0],
  fetchRetryCount: [NUM, 3, 0],
  fetchRetryDelay: [NUM, 1000, TIMER | NOT_NEGATIVE],
  fetchRetryMaxDelay: [NUM, 30_000, TIMER | NOT_NEGATIVE],
  persistenceMaxBytes: [NUM, 64 * 1024 * 1024, INT, 4096],
  waitUntilDebounceMs: [NUM, 50, TIMER | NOT_NEGATIVE], // posthog-node counts a negative value as 0
  waitUntilMaxWaitMs: [NUM, 500, TIMER | NOT_NEGATIVE],
  shutdownTimeoutMs: [NUM, 30_000, TIMER, 0],
  featureFlagsRequestTimeoutMs: [NUM, 3000, INT | TIMER, 0],
  featureFlagsRequestMaxRetries: [NUM, 1, INT, 0],
  remoteConfigRequestTimeoutMs: [NUM, 3000, INT | TIMER, 0],
  flagDefinitionsBackupMaxAgeMs: [NUM, 7 * 24 * 3600 * 1000, INT, 0],
  maxCacheSize: [NUM, 50_000, 0, 0],
  exceptionRateLimiterBucketSize: [NUM, 10, INT, 0],
  exceptionRateLimiterRefillRate: [NUM, 1, 0, 0],
  persistence: [CHOICE, PERSISTENCE_VALUES, 'memory', true],
  persistenceFsync: [CHOICE, ['batch', 'always', 'never'], 'batch', true],
  captureMode: [CHOICE, ['v0', 'v1'], undefined, false],
  personProfiles: [CHOICE, ['always', 'identified_only', 'never'], undefined, false],
  persistenceDir: [STR], flagDefinitionsBackupPath: [STR], featureFlagsTimezone: [STR], secretKey: [STR], personalApiKey: [STR],
  fetch: [FN], onError: [FN], waitUntil: [FN], beforeSend: [FNS], before_send: [FNS],
  evaluationContexts: [LIST], evaluationEnvironments: [LIST], custom_blocked_useragents: [LIST],
  flagDefinitionCacheProvider: [OBJ],
} satisfies { [K in keyof PostHogOptions]-?: Spec }

/** Options the table reads whose values end up under other names (or nowhere) in `ResolvedOptions`. */
type Renamed = 'personalApiKey' | 'evaluationEnvironments' | 'custom_blocked_useragents' | 'before_send' | 'personProfiles' | '__preview_capture_bot_pageviews'
type NoneLeftOut<T extends never> = T
/** Compile-time check: every field of `ResolvedOptions` is an option of the table or produced by `resolveOptions`' own code. */
export type ResolvedFieldsComplete = NoneLeftOut<Exclude<keyof ResolvedOptions, Exclude<keyof typeof OPTIONS, Renamed> | 'apiKey' | 'fetchGiven' | 'botUserAgents'>>

const KNOWN_OPTIONS: ReadonlySet<string> = new Set(Object.keys(OPTIONS))

/** The warnings' code (nearest names, reasons), imported only when a name is unknown; the Node runtime hands it over directly. */
const optionNamesCode = lazyModule(() => import('./option-names.js'))

export const DEFAULT_HOST = 'https://us.i.posthog.com'

type Bag = Record<string, unknown>

/** Every refusal reads "The `name` option must be …", so it names the option. */
function fail(name: string, text: string, type: ErrorConstructor = TypeError): never {
  throw new type(`The \`${name}\` option must be ${text}.`)
}

/**
 * Validates `options` once, at construction: an invalid value throws, naming the option; an
 * unknown name is warned about once: at once when `nameWarnings` is given or already imported,
 * else as soon as its module arrives. Nothing reads raw options after this.
 */
export function resolveOptions(apiKey: unknown, options: PostHogOptions | undefined, nameWarnings?: typeof optionNameWarnings): ResolvedOptions {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new TypeError('The `options` argument must be an object.')
  }
  const o = (options ?? {}) as PostHogOptions & Bag
  if (apiKey !== undefined && apiKey !== null && typeof apiKey !== 'string') {
    throw new TypeError('The `apiKey` argument must be a string.')
  }
  const l = o.logger as Partial<Logger> | null | undefined
  if (l !== undefined && (!l || typeof l !== 'object' || (['debug', 'info', 'warn', 'error'] as const).some((k) => typeof l[k] !== 'function'))) {
    fail('logger', 'an object with `debug`, `info`, `warn` and `error` functions')
  }
  // The default logger prints every level; the guard decides what gets through (`debug()` switches it).
  const logger = guardLogger(o.logger ?? createDefaultLogger(true), o.debug === true)
  if (Object.keys(o).some((name) => !KNOWN_OPTIONS.has(name))) {
    const warn = (warnings: typeof optionNameWarnings): void => {
      for (const warning of warnings(o, KNOWN_OPTIONS)) logger.warn(warning)
    }
    const loaded = nameWarnings ?? optionNamesCode.loaded()?.optionNameWarnings
    if (loaded !== undefined) warn(loaded)
    else optionNamesCode.load().then((code) => warn(code.optionNameWarnings), () => {})
  }

  const out: Bag = { logger }
  // Index access, not destructuring: this runs once per client, in V8's interpreter, where
  // destructuring goes through the iterator protocol and costs construct time.
  const table = OPTIONS as unknown as Record<string, readonly [number, unknown?, unknown?, unknown?]>
  for (const name in table) {
    const entry = table[name]
    const kind = entry[0]
    const a = entry[1]
    const b = entry[2]
    const c = entry[3]
    let value = o[name]
    if (kind === BOOL) {
      if (value !== undefined && typeof value !== 'boolean') fail(name, `a boolean, got ${typeof value}`)
      out[name] = value ?? a
    } else if (kind === NUM) {
      const flags = b as number
      const min = (c as number | undefined) ?? Number.NEGATIVE_INFINITY
      if (value === undefined || value === null) value = a
      if (typeof value !== 'number' || Number.isNaN(value)) fail(name, `a number, got ${typeof value}`)
      if (value < min || !Number.isFinite(value)) fail(name, `a finite number${min > Number.NEGATIVE_INFINITY ? ` ≥ ${min}` : ''}, got ${value}`, RangeError)
      if (flags & INT && !Number.isInteger(value)) fail(name, `an integer, got ${value}`, RangeError)
      if (flags & NOT_NEGATIVE) value = Math.max(0, value)
      out[name] = flags & TIMER ? timer(logger, name, value as number) : value
    } else if (kind === CHOICE) {
      const values = a as readonly string[]
      if (value === undefined || (value === null && c)) out[name] = b
      else if (values.includes(value as string)) out[name] = value
      else fail(name, `one of ${values.map((v) => `'${v}'`).join(', ')}, got ${JSON.stringify(value)}`)
    } else if (kind === STR) {
      if (value !== undefined && value !== null && typeof value !== 'string') fail(name, `a string, got ${typeof value}`)
      out[name] = (value as string | null | undefined)?.trim() || undefined
    } else if (kind === FN) {
      if (value !== undefined && typeof value !== 'function') fail(name, 'a function')
      out[name] = value
    } else if (kind === FNS) {
      const list = value === undefined ? [] : Array.isArray(value) ? value : [value]
      if (list.some((fn) => typeof fn !== 'function')) fail(name, 'a function or an array of functions')
      out[name] = list
    } else if (kind === LIST) {
      if (value !== undefined && value !== null && (!Array.isArray(value) || value.some((item) => typeof item !== 'string'))) fail(name, 'an array of strings')
      out[name] = value === undefined || value === null ? undefined : Object.freeze([...(value as string[])])
    } else if (kind === OBJ) {
      if (value !== undefined && (value === null || typeof value !== 'object')) fail(name, 'an object')
      out[name] = value
    }
  }

  const key = (out.apiKey = typeof apiKey === 'string' ? apiKey.trim() : '')
  if (!key && !out.disabled) {
    logger.warn('No api key was given: the client is disabled and sends nothing.')
    out.disabled = true
  }
  // posthog-node: a falsy flushAt (0) means the default; anything else is at least 1. Batch and
  // queue are at least flushAt; 0 cache entries means the default.
  const flushAt = (out.flushAt = out.flushAt === 0 ? 20 : Math.max(1, Math.ceil(out.flushAt as number)))
  out.maxBatchSize = Math.max(Math.ceil(out.maxBatchSize as number), flushAt)
  out.maxQueueSize = Math.max(Math.ceil(out.maxQueueSize as number), flushAt)
  out.fetchRetryCount = Math.max(0, Math.floor(out.fetchRetryCount as number))
  out.maxCacheSize = out.maxCacheSize === 0 ? 50_000 : Math.ceil(out.maxCacheSize as number)

  out.host = resolveHost(o.host)
  const secretKey = (out.secretKey ??= out.personalApiKey) as string | undefined
  if (secretKey?.startsWith('phc_')) fail(o.secretKey != null ? 'secretKey' : 'personalApiKey', 'a secret or personal API key (phs_/phx_), not the project api key (phc_)')
  const timeZone = out.featureFlagsTimezone as string | undefined
  if (timeZone !== undefined && !isTimeZone(timeZone)) fail('featureFlagsTimezone', `an IANA timezone name, got ${JSON.stringify(timeZone)}`, RangeError)

  if (o.fetch === undefined && typeof globalThis.fetch !== 'function' && !out.disabled) {
    throw new TypeError('No global `fetch` exists in this runtime: pass the `fetch` option.')
  }
  out.fetch = unboundFetch(o.fetch)
  out.fetchGiven = o.fetch !== undefined
  out.beforeSend = Object.freeze([...(out.before_send as BeforeSendFn[]).map((fn) => beforeSendAdapter(fn, out.isServer as boolean)), ...(out.beforeSend as WireBeforeSendFn[])])

  const superProperties = o.superProperties ?? {}
  if (!isPlainObject(superProperties)) fail('superProperties', 'a plain object')
  out.superProperties = Object.freeze({ ...superProperties })
  out.evaluationContexts ??= out.evaluationEnvironments
  const blocked = (out.custom_blocked_useragents ?? []) as string[]
  out.botUserAgents = out.__preview_capture_bot_pageviews ? Object.freeze(blocked.map((ua) => ua.toLowerCase())) : undefined
  // Read under another name above, or validated only (`personProfiles`: posthog-node does nothing with it either).
  for (const name of ['personalApiKey', 'evaluationEnvironments', 'custom_blocked_useragents', 'before_send', 'personProfiles', '__preview_capture_bot_pageviews'] satisfies Renamed[]) delete out[name]

  out.featureFlagsPollingInterval = timerOrNull(logger, 'featureFlagsPollingInterval', pollingInterval(o.featureFlagsPollingInterval))
  out.bootstrap = resolveBootstrap(o.bootstrap)
  out.staleFlagFallback = resolveStaleFallback(o.staleFlagFallback)
  out.readPostHogCookie = resolveCookieReading(o.readPostHogCookie)
  return Object.freeze(out) as unknown as ResolvedOptions
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name })
    return true
  } catch {
    return false
  }
}

function resolveCookieReading(value: unknown): ResolvedOptions['readPostHogCookie'] {
  if (value === undefined || value === null || value === false) return false
  if (value === true) return Object.freeze({})
  if (!isPlainObject(value)) fail('readPostHogCookie', 'a boolean or an object')
  const { sessionIdleTimeoutSeconds, optOutCapturingByDefault } = value
  if (sessionIdleTimeoutSeconds !== undefined && typeof sessionIdleTimeoutSeconds !== 'number') fail('readPostHogCookie.sessionIdleTimeoutSeconds', 'a number')
  if (optOutCapturingByDefault !== undefined && typeof optOutCapturingByDefault !== 'boolean') fail('readPostHogCookie.optOutCapturingByDefault', 'a boolean')
  return Object.freeze({ sessionIdleTimeoutSeconds, optOutCapturingByDefault } as { sessionIdleTimeoutSeconds?: number; optOutCapturingByDefault?: boolean })
}

/** posthog-node's reading: `null` = no polling, a number is raised to 100 ms, anything else the default. */
function pollingInterval(value: unknown): number | null {
  if (value === undefined) return 30_000
  if (value === null || value === Infinity) return null
  if (typeof value !== 'number') fail('featureFlagsPollingInterval', `a number or null, got ${typeof value}`)
  return Number.isNaN(value) ? 30_000 : Math.max(Math.floor(value), 100)
}

function resolveBootstrap(value: PostHogOptions['bootstrap']): ResolvedOptions['bootstrap'] {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'object') fail('bootstrap', 'an object')
  const flags = value.featureFlags ?? {}
  const payloads = value.featureFlagPayloads ?? {}
  if (!isPlainObject(flags) || Object.values(flags).some((v) => typeof v !== 'boolean' && typeof v !== 'string')) {
    fail('bootstrap.featureFlags', 'an object mapping flag keys to booleans or variant keys')
  }
  if (!isPlainObject(payloads)) fail('bootstrap.featureFlagPayloads', 'an object')
  if (Object.keys(flags).length === 0 && Object.keys(payloads).length === 0) return undefined
  return Object.freeze({ featureFlags: Object.freeze({ ...flags }), featureFlagPayloads: Object.freeze({ ...payloads }) })
}

function resolveStaleFallback(value: PostHogOptions['staleFlagFallback']): ResolvedOptions['staleFlagFallback'] {
  if (value === undefined || value === false) return undefined
  const o = value === true ? {} : value
  if (o === null || typeof o !== 'object') fail('staleFlagFallback', 'a boolean or `{ maxAgeMs, maxDistinctIds }`')
  const maxAgeMs = o.maxAgeMs ?? 3_600_000
  const maxDistinctIds = o.maxDistinctIds ?? 10_000
  if (typeof maxAgeMs !== 'number' || !(maxAgeMs > 0)) fail('staleFlagFallback.maxAgeMs', 'a positive number', RangeError)
  if (!Number.isInteger(maxDistinctIds) || maxDistinctIds < 1) fail('staleFlagFallback.maxDistinctIds', 'a positive integer', RangeError)
  return Object.freeze({ maxAgeMs, maxDistinctIds })
}

function resolveHost(host: unknown): string {
  if (host === undefined) return DEFAULT_HOST
  if (typeof host !== 'string') fail('host', 'a string')
  const trimmed = host.trim().replace(/\/+$/, '')
  if (!trimmed) return DEFAULT_HOST
  let url: URL | undefined
  try {
    url = new URL(trimmed)
  } catch {
    // refused below
  }
  if (url === undefined) fail('host', `an absolute http(s) URL, got ${JSON.stringify(host)}`)
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail('host', `an http or https URL, got ${JSON.stringify(host)}`)
  return trimmed
}

/**
 * A duration used as a timer delay. Timers cannot wait longer than 2^31 − 1 ms (a longer delay
 * fires after 1 ms), so a longer value is clamped to that with a warning; posthog-node accepts
 * such values, so they are not refused.
 */
function timer(logger: Logger, name: string, value: number): number {
  if (value <= MAX_TIMER_MS) return value
  logger.warn(`The \`${name}\` option (${value}) is longer than a timer can wait; ${MAX_TIMER_MS} ms (about 24.8 days) is used.`)
  return MAX_TIMER_MS
}

function timerOrNull(logger: Logger, name: string, value: number | null): number | null {
  return value === null ? null : timer(logger, name, value)
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/**
 * Lower-cased user-agent substrings of crawlers and headless browsers, for
 * `__preview_capture_bot_pageviews`: the well-known ones PostHog's SDKs also treat as bots.
 */

/**
 * The `fetch` every request goes through, safe to store on an object and call as its method:
 * workerd and browsers throw "Illegal invocation" when their `fetch` runs with any receiver but
 * the global object, so the global one is called as `globalThis.fetch(...)` (looked up per call,
 * so a fetch installed later is used) and a given one is called as a plain function.
 */
function unboundFetch(given: FetchLike | undefined): FetchLike {
  if (given !== undefined) return (input, init) => given(input, init)
  return (input, init) => globalThis.fetch(input, init)
}
