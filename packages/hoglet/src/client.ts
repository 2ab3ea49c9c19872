import {
  buildWireEvent,
  hasReservedKey,
  identifyProperties,
  mergeProperties,
  MAX_AI_EVENT_BYTES,
  MAX_EVENT_BYTES,
  toEpochMs,
  utf8Length,
  type EventMessage,
  type WireEvent,
} from './event.js'
import type { DropReason } from './errors/events-dropped-error.js'
import { InvalidEventError } from './errors/invalid-event-error.js'
import type { Logger } from './logger.js'
import { isPlainObject, resolveOptions, type PostHogOptions, type ResolvedOptions } from './options.js'
import { Emitter } from './pipeline/emitter.js'
import { SlotForm, type ScopeLike } from './pipeline/event-queue.js'
import { Lane } from './pipeline/lane.js'
import { Sender } from './pipeline/sender.js'
import { createSlotSerializer } from './pipeline/serialize.js'
import { Counters, type PipelineStats } from './pipeline/stats.js'
import { Reporter, type ClientEvents } from './pipeline/reporter.js'
import {
  aliasProperties,
  groupProperties,
  personProperties,
  prepareGroup,
  type AliasMessage,
  type GroupIdentifyMessage,
  type IdentifyMessage,
  type PersonPropertiesMessage,
} from './person-events.js'
import type { Runtime } from './runtime/types.js'
import { isUuid, uuidv7 } from './uuid.js'
import { ContextManager, type ContextData, type ContextOptions } from './context.js'
import { installExceptionAutocapture, type CrashHooks } from './exceptions/autocapture.js'
import { ExceptionCapturer, type ExceptionCaptureDetails } from './exceptions/capture-exception.js'
import { queuedEventsAsRequests } from './exceptions/crash-delivery.js'
import { ExceptionRateLimiter } from './exceptions/rate-limiter.js'
import { CAPTURE_AUTOMATIC } from './integrations/shared/client-like.js'
import type { FeatureFlags } from './flags/feature-flags.js'
import { createClientFeatureFlags } from './flags/feature-flags-client.js'
import type { AllFlagsOptions, FeatureFlagResult, FlagCallOptions, FlagOverrides, FlagValue, FlagsAndPayloads, JsonValue } from './flags/flag-api.js'
import type { FeatureFlagEvaluations } from './flags/snapshot.js'

export type { AliasMessage, ClientEvents, GroupIdentifyMessage, IdentifyMessage, PersonPropertiesMessage }

/** The per-request scope the context module hands to event building. */
export interface CaptureScope extends ScopeLike {
  readonly distinctId?: string
  readonly deviceId?: string
}

/**
 * Extension point for the flags module: turns a flag snapshot (`capture({ flags })`) or a
 * `sendFeatureFlags` request into `$feature/<key>` and `$active_feature_flags` properties.
 */
export interface FeatureFlagEnricher {
  /** Synchronous: properties for a snapshot the caller already has. */
  propertiesFromSnapshot(flags: unknown): Record<string, unknown> | undefined
  /** Asynchronous: evaluate flags for `distinctId` (may make a request). Rejections are reported and the event is sent without flags. */
  fetchProperties(
    distinctId: string,
    groups: Record<string, string | number> | undefined,
    options: true | Record<string, unknown>,
  ): Promise<Record<string, unknown> | undefined>
}

/** What `shutdown()` resolves with. */
export interface ShutdownResult {
  /** Events delivered while shutting down. */
  delivered: number
  /** Events that could not be delivered (dropped for any reason while shutting down). */
  undelivered: number
  /** True when the timeout cut the shutdown short. */
  timedOut: boolean
}

const AI_PATH = '/i/v0/ai/batch/'
const EMPTY: Readonly<Record<string, unknown>> = Object.freeze({})
/** Room for what the batcher splices into a stored event: `$lib` fields and the timestamp. */
const SPLICED_BYTES = 160
const BATCH_PATH = '/batch/'
/** How long a crashing process waits for its queued events to be delivered. */
const CRASH_DELIVERY_TIMEOUT_MS = 2000

/**
 * The hoglet client. Entry points bind it to a runtime (`hoglet` for Node, Bun and Deno,
 * `hoglet/edge` for web-standard runtimes).
 *
 * Capture is synchronous: the event is validated, stamped and written into a bounded queue,
 * and becomes JSON only when its batch is sent. Nothing here throws into the caller after
 * construction; refused calls and lost events are reported through the logger, `onError`,
 * the `error`/`drop` events and `stats()`.
 */
export class PostHog {
  /** The validated options (read-only); other modules read their settings here. */
  readonly config: ResolvedOptions
  readonly runtime: Runtime
  readonly logger: Logger
  readonly #emitter: Emitter<ClientEvents>
  readonly #counters = new Counters()
  readonly #sender: Sender
  readonly #closing = new AbortController()
  readonly #analytics: Lane
  #ai: Lane | undefined
  #superProperties: Readonly<Record<string, unknown>>
  #hasSuperProperties: boolean
  #contextProvider: (() => CaptureScope | undefined) | undefined
  #flagEnricher: FeatureFlagEnricher | undefined
  readonly #flags: FeatureFlags
  readonly #pendingWork = new Set<Promise<unknown>>()
  readonly #shutdownHooks: Array<() => unknown> = []
  readonly #serialize: ReturnType<typeof createSlotSerializer>
  #timer: ReturnType<typeof setInterval> | undefined
  #unregisterExitHook: (() => void) | undefined
  #closed = false
  #shutdownPromise: Promise<ShutdownResult> | undefined
  readonly #reporter: Reporter

  constructor(apiKey: string, options: PostHogOptions | undefined, runtime: Runtime) {
    this.config = resolveOptions(apiKey, options)
    this.runtime = runtime
    this.logger = this.config.logger
    this.#emitter = new Emitter<ClientEvents>(this.logger)
    this.#reporter = new Reporter({
      counters: this.#counters,
      emitter: this.#emitter,
      logger: this.logger,
      onError: this.config.onError,
      maxQueueSize: this.config.maxQueueSize,
    })
    this.#superProperties = this.config.superProperties
    this.#hasSuperProperties = Object.keys(this.#superProperties).length > 0
    this.#serialize = createSlotSerializer(this.config.disableGeoip)
    this.#sender = new Sender(this.config, runtime, this.#counters, {
      delivered: (path, count) => {
        this.#counters.delivered += count
        this.#emitter.emit('flush', { path, count })
      },
      dropped: (reason, count, message, cause) => this.#drop(reason, count, message, cause),
      retrying: (path, attempt, delayMs, error) => {
        this.logger.debug(`Retry ${attempt} of ${path} in ${Math.round(delayMs)} ms: ${error.message}`)
        this.#emitter.emit('retry', { path, attempt, delayMs, error })
      },
    })
    this.#analytics = this.#createLane(BATCH_PATH, MAX_EVENT_BYTES)
    if (!this.config.disabled) {
      if (this.config.flushInterval > 0 && !this.config.syncMode) {
        this.#timer = setInterval(() => this.#onTimer(), this.config.flushInterval)
        ;(this.#timer as { unref?: () => void }).unref?.()
      }
      if (this.config.flushOnExit && runtime.onBeforeExit) {
        this.#unregisterExitHook = runtime.onBeforeExit(() => (this.#pending() > 0 ? this.flush() : Promise.resolve()))
      }
    }
    this.#flags = createClientFeatureFlags(this)
  }

  // ---- Extension points for other hoglet modules ----

  /**
   * Context hook: the context module sets a function returning the current scope. Scopes must be
   * immutable: queued events keep a reference and read it when their batch is built.
   */
  setContextProvider(provider: (() => CaptureScope | undefined) | undefined): void {
    this.#contextProvider = provider
  }

  /** Flag hook: the flags module plugs in how `flags` / `sendFeatureFlags` become event properties. */
  setFeatureFlagEnricher(enricher: FeatureFlagEnricher | undefined): void {
    this.#flagEnricher = enricher
  }

  /** Runs `hook` first thing in `shutdown()` (stop pollers, remove process handlers). */
  addShutdownHook(hook: () => unknown): void {
    this.#shutdownHooks.push(hook)
  }

  /** Reports an error the way every hoglet error is reported: logger, `onError`, `error` event. */
  reportError(error: Error, level: 'warn' | 'error' = 'error'): void {
    this.logger[level](error.message)
    this.#emitError(error)
  }

  /** Tracks async work that `flush()` and `shutdown()` must wait for (e.g. exception capture). */
  trackPending<T>(promise: Promise<T>): Promise<T> {
    this.#pendingWork.add(promise)
    const forget = (): void => void this.#pendingWork.delete(promise)
    promise.then(forget, forget)
    return promise
  }

  // ---- Capture ----

  /**
   * Queues an event and returns its uuid, or `undefined` when the call is refused (reported
   * and counted, never thrown) or the client is disabled.
   */
  capture(message: EventMessage): string | undefined {
    return this.#capture('capture', message, this.#analytics)
  }

  /** Sends one event now, bypassing the queue; resolves with its uuid once delivered, `undefined` if it was not. */
  captureImmediate(message: EventMessage): Promise<string | undefined> {
    return this.#immediate('captureImmediate', message, BATCH_PATH, MAX_EVENT_BYTES)
  }

  /** LLM-analytics events: queued for `/i/v0/ai/batch/`, 8 MiB per event; a given `uuid` is kept. */
  captureAi(message: EventMessage): string | undefined {
    return this.#capture('captureAi', message, (this.#ai ??= this.#createLane(AI_PATH, MAX_AI_EVENT_BYTES)))
  }

  captureAiImmediate(message: EventMessage): Promise<string | undefined> {
    return this.#immediate('captureAiImmediate', message, AI_PATH, MAX_AI_EVENT_BYTES)
  }

  /** Sets person properties with an `$identify` event. */
  identify(message: IdentifyMessage): string | undefined {
    return this.#person('identify', message, '$identify', (m) => identifyProperties(m.properties))
  }

  identifyImmediate(message: IdentifyMessage): Promise<string | undefined> {
    return this.#personImmediate('identifyImmediate', message, '$identify', (m) => identifyProperties(m.properties))
  }

  /** Links `alias` to `distinctId` (`$create_alias`). */
  alias(message: AliasMessage): string | undefined {
    return this.#person('alias', message, '$create_alias', aliasProperties)
  }

  aliasImmediate(message: AliasMessage): Promise<string | undefined> {
    return this.#personImmediate('aliasImmediate', message, '$create_alias', aliasProperties)
  }

  /** Creates or updates a group (`$groupidentify` with `$group_type`, `$group_key`, `$group_set`). */
  groupIdentify(message: GroupIdentifyMessage): string | undefined {
    const prepared = prepareGroup(message)
    return prepared ? this.#person('groupIdentify', prepared, '$groupidentify', groupProperties) : this.#refuse('groupIdentify', '`groupType` and `groupKey` are required')
  }

  groupIdentifyImmediate(message: GroupIdentifyMessage): Promise<string | undefined> {
    const prepared = prepareGroup(message)
    if (!prepared) return Promise.resolve(this.#refuse('groupIdentifyImmediate', '`groupType` and `groupKey` are required'))
    return this.#personImmediate('groupIdentifyImmediate', prepared, '$groupidentify', groupProperties)
  }

  /** Sets person properties (`$set` event with `$set` / `$set_once`). */
  setPersonProperties(message: PersonPropertiesMessage): string | undefined {
    return this.#person('setPersonProperties', message, '$set', personProperties)
  }

  /** `$set`: shorthand for `setPersonProperties({ distinctId, properties })`. */
  set(message: { distinctId: string | number; properties: Record<string, unknown>; disableGeoip?: boolean }): string | undefined {
    return this.#person('set', message, '$set', personProperties)
  }

  /** `$set_once`: shorthand for `setPersonProperties({ distinctId, propertiesOnce })`. */
  setOnce(message: { distinctId: string | number; properties: Record<string, unknown>; disableGeoip?: boolean }): string | undefined {
    return this.#person('setOnce', message, '$set', (m) => ({ $set_once: m.properties ?? {} }))
  }

  /** Adds properties to every later event (explicit and context properties win). */
  register(properties: Record<string, unknown>): void {
    if (!isPlainObject(properties)) return void this.#refuse('register', 'expects a plain object')
    this.#superProperties = Object.freeze({ ...this.#superProperties, ...properties })
    this.#hasSuperProperties = Object.keys(this.#superProperties).length > 0
  }

  /** Stops adding the super property `key`. */
  unregister(key: string): void {
    if (!(key in this.#superProperties)) return
    const next = { ...this.#superProperties }
    delete next[key]
    this.#superProperties = Object.freeze(next)
    this.#hasSuperProperties = Object.keys(next).length > 0
  }

  // ---- Context and exceptions (context.ts, exceptions/) ----

  /**
   * Runs `fn` in a context: events and flag calls inside it (across awaits) use its distinct id,
   * session id (`$session_id`), device id and properties. Merges with the enclosing context
   * unless `fresh`. Inside a context without a distinct id, events are personless.
   * Where the runtime has no AsyncLocalStorage, `fn` just runs.
   */
  withContext<T>(data: ContextData, fn: () => T, options?: ContextOptions): T {
    return this.#contexts().run(data, fn, options)
  }

  /** Makes `data` the context of the rest of the current async execution (AsyncLocalStorage `enterWith`); prefer `withContext`. */
  enterContext(data: ContextData, options?: ContextOptions): void {
    this.#contexts().enter(data, options)
  }

  /** The current context (merged with its parents), or undefined outside any. */
  getContext(): Readonly<ContextData> | undefined {
    return this.#contextManager?.get()
  }

  /**
   * Captures an error (any thrown value) as a `$exception` event with `$exception_list`
   * (type, message, mechanism, parsed stack frames, causes) and `$exception_fingerprint`.
   * Without a distinct id (argument or context) the event is personless. Returns the event's
   * uuid; an error object captured before answers its first uuid instead of a duplicate.
   */
  captureException(error: unknown, distinctId?: string, properties?: Record<string, unknown>): string | undefined {
    return this[CAPTURE_AUTOMATIC](error, distinctId, properties, {})
  }

  /** @internal How integrations and autocapture capture what they caught (mechanism, rate limit). */
  [CAPTURE_AUTOMATIC](
    error: unknown,
    distinctId: string | undefined,
    properties: Record<string, unknown> | undefined,
    details: ExceptionCaptureDetails,
  ): string | undefined {
    try {
      return this.#exceptions().capture(error, distinctId, properties, details)
    } catch (failure) {
      this.reportError(new InvalidEventError('captureException', `the exception could not be captured: ${(failure as Error)?.message ?? failure}`, { cause: failure }))
      return undefined
    }
  }

  /**
   * @internal Entry points call this with their runtime's crash hooks when
   * `enableExceptionAutocapture` is set; `shutdown()` removes the hooks.
   */
  attachCrashHooks(hooks: CrashHooks): void {
    if (!this.config.enableExceptionAutocapture || this.config.disabled || this.#closed) return
    const uninstall = installExceptionAutocapture({
      capturer: this.#exceptions(),
      hooks,
      deliverBeforeExit: () => {
        const requests = queuedEventsAsRequests(this.#analytics.queue, this.#serialize, this.config.host + BATCH_PATH, this.config.apiKey)
        hooks.sendBlocking(requests, CRASH_DELIVERY_TIMEOUT_MS)
      },
      flushSoon: () => void this.flush(),
    })
    this.addShutdownHook(uninstall)
  }

  #contextManager: ContextManager | undefined
  #exceptionCapturer: ExceptionCapturer | undefined
  #rateLimitedTypes = new Set<string>()

  #contexts(): ContextManager {
    if (this.#contextManager === undefined) {
      const manager = new ContextManager(this.runtime.createContextStorage?.<Readonly<ContextData>>())
      this.#contextManager = manager
      this.setContextProvider(() => manager.get())
    }
    return this.#contextManager
  }

  #exceptions(): ExceptionCapturer {
    return (this.#exceptionCapturer ??= new ExceptionCapturer({
      capture: (distinctId, properties) => {
        this.#rateLimitedTypes.clear()
        if (distinctId === undefined && this.getContext()?.distinctId === undefined) {
          // Nobody to attribute it to: still worth sending, as a personless event.
          return this.capture({ event: '$exception', distinctId: uuidv7(), properties: { ...properties, $process_person_profile: false } })
        }
        return this.capture({ event: '$exception', distinctId, properties })
      },
      sha1Hex: this.runtime.sha1Hex,
      limiter: new ExceptionRateLimiter({
        bucketSize: this.config.exceptionRateLimiterBucketSize,
        refillRate: this.config.exceptionRateLimiterRefillRate,
      }),
      onDropped: (_reason, type) => {
        if (this.#rateLimitedTypes.has(type)) return
        this.#rateLimitedTypes.add(type)
        this.logger.warn(`Exception autocapture is rate-limiting ${type} (exceptionRateLimiterBucketSize ${this.config.exceptionRateLimiterBucketSize}); more are skipped until the bucket refills.`)
      },
    }))
  }

  // ---- Lifecycle and observation ----

  /** Listens to `capture`, `flush`, `error`, `drop`, `retry` (or `*`); returns the unsubscribe function. */
  on<K extends keyof ClientEvents & string>(event: K | '*', listener: (payload: any) => void): () => void {
    return this.#emitter.on(event, listener)
  }

  /** Delivery counters: captured, delivered, dropped by reason, retried, requests, in flight, queued. */
  stats(): PipelineStats {
    return this.#counters.snapshot(this.#analytics.queue.size + (this.#ai?.queue.size ?? 0))
  }

  // ---- Feature flags (implemented in flags/feature-flags.ts) ----
  // Every method resolves: failures give `undefined` and are reported, never thrown.

  /** Whether the flag is on for this person (a variant counts as on); `undefined` when unknown. Sends `$feature_flag_called`. */
  isFeatureEnabled(key: string, distinctId: string, options?: FlagCallOptions): Promise<boolean | undefined> {
    return this.#flags.isFeatureEnabled(key, distinctId, options)
  }

  /** The flag's value: `true`/`false` or the variant key; `undefined` when unknown. Sends `$feature_flag_called`. */
  getFeatureFlag(key: string, distinctId: string, options?: FlagCallOptions): Promise<FlagValue | undefined> {
    return this.#flags.getFeatureFlag(key, distinctId, options)
  }

  /**
   * The flag's JSON-decoded payload for this person, or for `matchValue` when given. `null` when
   * the flag has no payload for that value, `undefined` when the flag is unknown. Sends no event.
   */
  getFeatureFlagPayload(key: string, distinctId: string, matchValue?: FlagValue, options?: FlagCallOptions): Promise<JsonValue | null | undefined> {
    return this.#flags.getFeatureFlagPayload(key, distinctId, matchValue, options)
  }

  /** Key, enabled, variant, decoded payload and reason in one call. Sends `$feature_flag_called`. The distinct id defaults to the context's. */
  getFeatureFlagResult(key: string, distinctId?: string, options?: FlagCallOptions): Promise<FeatureFlagResult | undefined> {
    return this.#flags.getFeatureFlagResult(key, distinctId ?? this.#contextProvider?.()?.distinctId, options)
  }

  /** Every flag's value for this person (`flagKeys` to limit). Sends no exposure events. */
  getAllFlags(distinctId?: string, options?: AllFlagsOptions): Promise<Record<string, FlagValue>> {
    return this.#flags.getAllFlags(distinctId ?? this.#contextProvider?.()?.distinctId, options)
  }

  /** Every flag's value and decoded payload (`flagKeys` to limit). Sends no exposure events. */
  getAllFlagsAndPayloads(distinctId?: string, options?: AllFlagsOptions): Promise<FlagsAndPayloads> {
    return this.#flags.getAllFlagsAndPayloads(distinctId ?? this.#contextProvider?.()?.distinctId, options)
  }

  /**
   * Evaluate every flag (or `flagKeys`) once: locally where possible, with at most one `/flags`
   * request for the rest. Read it with `isEnabled`/`getFlag` (each read sends a deduplicated
   * `$feature_flag_called`) and pass it to `capture({ flags })`.
   */
  evaluateFlags(distinctId?: string, options?: AllFlagsOptions): Promise<FeatureFlagEvaluations> {
    return this.#flags.evaluateFlags(distinctId ?? this.#contextProvider?.()?.distinctId, options)
  }

  /** The flag's remote-config payload (decrypted by PostHog); needs `secretKey`. `undefined` on any failure. */
  getRemoteConfigPayload(flagKey: string): Promise<JsonValue | undefined> {
    return this.#flags.getRemoteConfigPayload(flagKey)
  }

  /** Fetch the flag definitions now (local evaluation). */
  reloadFeatureFlags(): Promise<void> {
    return this.#flags.reloadFeatureFlags()
  }

  /** True once definitions are loaded, false after `timeoutMs` or at once when loading failed for good (bad key, quota). */
  waitForLocalEvaluationReady(timeoutMs?: number): Promise<boolean> {
    return this.#flags.waitForLocalEvaluationReady(timeoutMs)
  }

  /** True when flag definitions are loaded, even if the project has no flags. */
  isLocalEvaluationReady(): boolean {
    return this.#flags.isLocalEvaluationReady()
  }

  /** Test overrides that win over local and remote evaluation; `false` removes them. */
  overrideFeatureFlags(overrides: FlagOverrides): void {
    this.#flags.overrideFeatureFlags(overrides)
  }

  /** True when the client sends nothing (the `disabled` option or a blank api key). */
  get isDisabled(): boolean {
    return this.config.disabled
  }

  /**
   * Resolves when every event captured before the call is delivered or definitively failed.
   * It never rejects: failures are reported through `onError`, `on('drop')` and `stats()`.
   */
  async flush(): Promise<void> {
    this.#sender.keepAlive++
    try {
      // Work pending now (flag fetches of earlier captures, Immediate sends); work started
      // later is not waited for, so a steady stream of captures cannot keep flush() waiting.
      if (this.#pendingWork.size > 0) await Promise.allSettled([...this.#pendingWork])
      await Promise.all([this.#analytics.flush(), this.#ai?.flush()])
    } finally {
      this.#sender.keepAlive--
    }
  }

  /**
   * Stops the client: later calls are refused, hooks run, queued events are flushed within
   * `timeoutMs`; whatever is left is dropped and reported. Calling it again returns the same promise.
   */
  shutdown(timeoutMs: number = this.config.shutdownTimeoutMs): Promise<ShutdownResult> {
    return (this.#shutdownPromise ??= this.#shutdown(timeoutMs))
  }

  /** `await using client = new PostHog(...)` shuts down with the default timeout. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown()
  }

  async #shutdown(timeoutMs: number): Promise<ShutdownResult> {
    this.#closed = true
    this.#unregisterExitHook?.()
    if (this.#timer !== undefined) clearInterval(this.#timer)
    const before = this.#counters.snapshot(0)
    let timedOut = false
    let deadlineTimer: ReturnType<typeof setTimeout> | undefined
    const deadline = new Promise<void>((resolve) => {
      deadlineTimer = setTimeout(() => {
        timedOut = true
        resolve()
      }, Math.max(0, timeoutMs))
    })
    this.#sender.keepAlive++
    try {
      const work = (async () => {
        for (const hook of this.#shutdownHooks) {
          try {
            await hook()
          } catch (error) {
            this.reportError(error instanceof Error ? error : new Error(String(error)))
          }
        }
        await this.flush()
      })()
      await Promise.race([work, deadline])
      if (timedOut) {
        this.#closing.abort()
        const left = this.#analytics.abandon() + (this.#ai?.abandon() ?? 0)
        if (left > 0) this.#drop('shutdown', left, `shutdown timed out after ${timeoutMs} ms with events still queued`)
        // The request in flight was aborted; give its lane a moment to report it.
        await Promise.race([Promise.all([this.#analytics.flush(), this.#ai?.flush()]), sleepUnref(1000)])
      }
    } finally {
      clearTimeout(deadlineTimer)
      this.#sender.keepAlive--
    }
    const after = this.#counters.snapshot(0)
    const result = {
      delivered: after.delivered - before.delivered,
      undelivered: after.droppedTotal - before.droppedTotal,
      timedOut,
    }
    if (result.undelivered > 0) {
      this.logger.warn(`Shutdown finished with ${result.undelivered} event(s) undelivered${timedOut ? ` (timed out after ${timeoutMs} ms)` : ''}.`)
    } else {
      this.logger.debug(`Shutdown finished: ${result.delivered} event(s) delivered.`)
    }
    return result
  }

  // ---- Internals ----

  #createLane(path: string, maxEventBytes: number): Lane {
    return new Lane({
      path,
      capacity: this.config.maxQueueSize,
      maxEventBytes,
      maxBatchSize: this.config.maxBatchSize,
      flushAt: this.config.syncMode ? 1 : this.config.flushAt,
      serialize: this.#serialize,
      sender: this.#sender,
      counters: this.#counters,
      report: { refused: (reason, message, cause) => this.#drop(reason, 1, message, cause) },
      closing: this.#closing.signal,
      compactor: this.runtime.compactor,
    })
  }

  /** Validates and queues; `useContext` is false for person and group calls, which take no context properties. */
  #capture(method: string, message: EventMessage, lane: Lane, useContext = true): string | undefined {
    if (this.#closed) return this.#refuseAfterShutdown(method)
    if (this.config.disabled) return undefined
    if (message === null || typeof message !== 'object') return this.#refuse(method, 'expects an object like { distinctId, event, properties }')
    const event = message.event
    if (typeof event !== 'string' || event === '') return this.#refuse(method, '`event` must be a non-empty string')
    const properties = message.properties
    if (properties !== undefined && (properties === null || typeof properties !== 'object' || Array.isArray(properties))) {
      return this.#refuse(method, '`properties` must be an object')
    }
    const scope = useContext ? this.#contextProvider?.() : undefined
    let distinctId: unknown = message.distinctId
    let personless = false
    if (distinctId === undefined || distinctId === null || distinctId === '') {
      distinctId = scope?.distinctId
      if (distinctId === undefined) {
        if (scope === undefined) return this.#refuse(method, '`distinctId` is required outside a context scope')
        distinctId = uuidv7()
        personless = true
      }
    } else if (typeof distinctId === 'number') {
      distinctId = String(distinctId)
    } else if (typeof distinctId !== 'string') {
      return this.#refuse(method, '`distinctId` must be a string or a number')
    }
    const now = Date.now()
    const time = message.timestamp === undefined ? now : toEpochMs(message.timestamp, now)
    if (Number.isNaN(time)) return this.#refuse(method, '`timestamp` is not a valid date')
    let uuid = message.uuid
    if (uuid === undefined || uuid === '') uuid = uuidv7(now)
    else if (typeof uuid !== 'string' || !isUuid(uuid)) return this.#refuse(method, '`uuid` must be a UUID string')

    if (message.sendFeatureFlags && message.flags === undefined && this.#flagEnricher !== undefined) {
      this.#captureWithFetchedFlags(method, message, lane, distinctId as string, uuid, time, scope, personless)
      return uuid
    }
    if (message.flags !== undefined || this.config.beforeSend.length > 0 || this.#emitter.has('capture')) {
      const computed = message.flags !== undefined ? this.#snapshotProperties(message.flags) : undefined
      return this.#enqueueBuilt(method, this.#build(message, event, distinctId as string, uuid, time, scope, personless, computed), lane)
    }

    // Fast path: one JSON.stringify, one flat string into the ring buffer.
    let merged: Readonly<Record<string, unknown>> = properties ?? EMPTY
    if (
      personless ||
      message.groups !== undefined ||
      this.#hasSuperProperties ||
      (scope !== undefined && (scope.properties !== undefined || scope.sessionId !== undefined)) ||
      (properties !== undefined && hasReservedKey(properties))
    ) {
      merged = mergeProperties({ properties, superProperties: this.#superProperties, scope, groups: message.groups, personless })
    }
    let json: string
    try {
      // `properties` last: the batcher splices the `$lib` fields and the timestamp in after it.
      json = JSON.stringify({ event, distinct_id: distinctId, uuid, properties: merged })
    } catch (error) {
      return this.#refuseSerialisation(method, error)
    }
    if (json.charCodeAt(json.length - 2) !== 125 /* } */) return this.#refuse(method, '`properties` must serialise to a JSON object')
    const cap = lane.maxEventBytes - SPLICED_BYTES
    if (json.length * 3 > cap && utf8Length(json) > cap) return this.#refuseTooLarge(method, json, lane)
    const geoip = message.disableGeoip
    const form = geoip === undefined || geoip === this.config.disableGeoip ? SlotForm.Default : geoip ? SlotForm.GeoipDisabled : SlotForm.GeoipEnabled
    this.#push(lane, json, time, form)
    return uuid
  }

  #push(lane: Lane, json: string, time: number, form: SlotForm): void {
    const q = lane.queue
    if (!q.push(json, time, form)) {
      this.#overflow(lane)
      q.push(json, time, form)
    } else this.#reporter.pushed()
    this.#counters.captured++
    lane.pushed()
  }

  #refuseSerialisation(method: string, error: unknown): undefined {
    this.#drop('invalid', 1, `${method}(): the event cannot be serialised to JSON (${(error as Error)?.message ?? error}); the call was refused`, error)
    return undefined
  }

  #refuseTooLarge(method: string, json: string, lane: Lane): undefined {
    this.#drop('too_large', 1, `${method}(): the event is ${utf8Length(json)} bytes, over the ${lane.maxEventBytes}-byte cap; the call was refused`)
    return undefined
  }

  #build(
    message: EventMessage,
    event: string,
    distinctId: string,
    uuid: string,
    time: number,
    scope: CaptureScope | undefined,
    personless: boolean,
    computed: Record<string, unknown> | undefined,
  ): WireEvent {
    return buildWireEvent({
      event,
      distinctId,
      uuid,
      timeMs: time,
      properties: message.properties,
      superProperties: this.#superProperties,
      scope,
      computed,
      groups: message.groups,
      personless,
      disableGeoip: message.disableGeoip ?? this.config.disableGeoip,
    })
  }

  #snapshotProperties(flags: unknown): Record<string, unknown> | undefined {
    if (!this.#flagEnricher) return undefined
    try {
      return this.#flagEnricher.propertiesFromSnapshot(flags)
    } catch (error) {
      this.reportError(new InvalidEventError('capture', 'the `flags` snapshot could not be read; the event is sent without flags', { cause: error }), 'warn')
      return undefined
    }
  }

  #captureWithFetchedFlags(
    method: string,
    message: EventMessage,
    lane: Lane,
    distinctId: string,
    uuid: string,
    time: number,
    scope: CaptureScope | undefined,
    personless: boolean,
  ): void {
    const options = message.sendFeatureFlags === true ? true : (message.sendFeatureFlags as Record<string, unknown>)
    const work = this.#flagEnricher!.fetchProperties(distinctId, message.groups, options).then(
      (computed) => computed,
      (error: unknown) => {
        this.reportError(new InvalidEventError(method, 'feature flags could not be evaluated; the event is sent without them', { cause: error }), 'warn')
        return undefined
      },
    )
    lane.preparing = this.trackPending(
      work.then((computed) => {
        this.#enqueueBuilt(method, this.#build(message, message.event, distinctId, uuid, time, scope, personless, computed), lane)
      }),
    )
  }

  /** Runs before_send and queues a complete event; returns the final uuid or undefined when dropped. */
  #enqueueBuilt(method: string, wire: WireEvent, lane: Lane): string | undefined {
    const final = this.#beforeSend(wire)
    if (final === undefined) return undefined
    if (this.#closing.signal.aborted) {
      this.#drop('shutdown', 1, `${method}(): the client shut down before the event was ready`)
      return undefined
    }
    let json: string
    try {
      json = JSON.stringify(final)
    } catch (error) {
      return this.#refuseSerialisation(method, error)
    }
    if (json.length * 3 > lane.maxEventBytes && utf8Length(json) > lane.maxEventBytes) return this.#refuseTooLarge(method, json, lane)
    this.#push(lane, json, Date.parse(final.timestamp), SlotForm.Complete)
    this.#emitter.emit('capture', final)
    return final.uuid
  }

  #beforeSend(wire: WireEvent): WireEvent | undefined {
    let current: WireEvent | null = wire
    for (const fn of this.config.beforeSend) {
      try {
        current = fn(current)
      } catch (error) {
        this.#drop('before_send', 1, `beforeSend threw: ${(error as Error)?.message ?? error}`, error)
        return undefined
      }
      if (current === null || current === undefined) {
        this.#counters.dropped.before_send++
        this.logger.debug(`beforeSend dropped an event (${wire.event}).`)
        return undefined
      }
      if (typeof current !== 'object' || typeof current.event !== 'string' || typeof current.distinct_id !== 'string') {
        this.#drop('before_send', 1, 'beforeSend returned something that is not an event')
        return undefined
      }
    }
    if (current.uuid === undefined || current.uuid === '') current.uuid = uuidv7()
    return current
  }

  async #immediate(method: string, message: EventMessage, path: string, maxBytes: number, useContext = true): Promise<string | undefined> {
    if (this.#closed) return this.#refuseAfterShutdown(method)
    if (this.config.disabled) return undefined
    // Build through a private lane-free path: validate like capture(), then send at once.
    const holder = new Lane({
      path,
      capacity: 1,
      maxEventBytes: maxBytes,
      maxBatchSize: 1,
      flushAt: Number.MAX_SAFE_INTEGER,
      serialize: this.#serialize,
      sender: this.#sender,
      counters: this.#counters,
      report: { refused: (reason, msg, cause) => this.#drop(reason, 1, msg, cause) },
      closing: this.#closing.signal,
    })
    const uuid = this.#capture(method, message, holder, useContext)
    return this.#sendHolder(holder, uuid)
  }

  async #sendHolder(holder: Lane, uuid: string | undefined): Promise<string | undefined> {
    if (uuid === undefined) return undefined
    this.#sender.keepAlive++
    try {
      // Wait only for this event's own flag fetch (sendFeatureFlags), never for other work:
      // concurrent Immediate calls must not wait for each other.
      const work = (async () => {
        if (holder.preparing !== undefined) await holder.preparing
        await holder.flush()
      })()
      await this.trackPending(work)
    } finally {
      this.#sender.keepAlive--
    }
    return holder.delivered === 1 ? uuid : undefined
  }

  #person<M extends { distinctId?: string | number; disableGeoip?: boolean; timestamp?: Date | string | number; uuid?: string }>(
    method: string,
    message: M,
    event: string,
    shape: (message: M) => Record<string, unknown>,
  ): string | undefined {
    const built = this.#personMessage(method, message, event, shape)
    return built && this.#capture(method, built, this.#analytics, false)
  }

  #personImmediate<M extends { distinctId?: string | number; disableGeoip?: boolean; timestamp?: Date | string | number; uuid?: string }>(
    method: string,
    message: M,
    event: string,
    shape: (message: M) => Record<string, unknown>,
  ): Promise<string | undefined> {
    const built = this.#personMessage(method, message, event, shape)
    return built ? this.#immediate(method, built, BATCH_PATH, MAX_EVENT_BYTES, false) : Promise.resolve(undefined)
  }

  /** identify/alias/groupIdentify/set: a capture message that skips context properties. */
  #personMessage<M extends { distinctId?: string | number; disableGeoip?: boolean; timestamp?: Date | string | number; uuid?: string }>(
    method: string,
    message: M,
    event: string,
    shape: (message: M) => Record<string, unknown>,
  ): EventMessage | undefined {
    if (this.#closed) return void this.#refuseAfterShutdown(method)
    if (this.config.disabled) return undefined
    if (message === null || typeof message !== 'object') return void this.#refuse(method, 'expects an object')
    const id = message.distinctId
    if (id === undefined || id === null || id === '' || (typeof id !== 'string' && typeof id !== 'number')) {
      return void this.#refuse(method, '`distinctId` is required')
    }
    let properties: Record<string, unknown>
    try {
      properties = shape(message)
    } catch (error) {
      return void this.#refuse(method, (error as Error).message)
    }
    return { distinctId: id, event, properties, disableGeoip: message.disableGeoip, timestamp: message.timestamp, uuid: message.uuid }
  }

  #onTimer(): void {
    this.#analytics.kick()
    this.#ai?.kick()
  }

  #pending(): number {
    return this.#analytics.pending + (this.#ai?.pending ?? 0) + this.#pendingWork.size
  }

  #overflow(lane: Lane): void {
    lane.queue.dropOldest()
    lane.droppedOldest()
    this.#reporter.overflow()
  }

  #drop(reason: DropReason, count: number, message: string, cause?: unknown): void {
    this.#reporter.drop(reason, count, message, cause)
  }

  #refuse(method: string, message: string): undefined {
    return this.#reporter.refuse(method, message)
  }

  #refuseAfterShutdown(method: string): undefined {
    return this.#reporter.refuseAfterShutdown(method)
  }

  #emitError(error: Error): void {
    this.#reporter.error(error)
  }

}

function sleepUnref(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms)
    ;(timer as { unref?: () => void }).unref?.()
  })
}
