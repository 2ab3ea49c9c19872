import { unrefTimer } from './timers.js'
import { MAX_AI_EVENT_BYTES, MAX_EVENT_BYTES, type EventMessage } from './event.js'
import { InvalidEventError } from './errors/invalid-event-error.js'
import type { SwitchableLogger } from './logger.js'
import { resolveOptions, type PostHogOptions, type ResolvedOptions } from './options.js'
import { EventPipeline } from './pipeline/event-pipeline.js'
import { AI_PATH, BATCH_PATH } from './pipeline/batch-paths.js'
import type { Lane } from './pipeline/lane.js'
import type { PipelineStats } from './pipeline/stats.js'
import type { ClientEvents, Reporter } from './pipeline/reporter.js'
import {
  aliasProperties,
  groupProperties,
  identifyShape,
  personEventMessage,
  personProperties,
  prepareGroup,
  setOnceProperties,
  unsetProperties,
  type AliasMessage,
  type GroupIdentifyMessage,
  type IdentifyMessage,
  type PersonCallMessage,
  type PersonPropertiesMessage,
  type UnsetPersonPropertiesMessage,
} from './person-events.js'
import type { Runtime } from './runtime/types.js'
import { CaptureKind, EventCapturer, type CaptureScope, type FeatureFlagEnricher } from './capture/event-capturer.js'
import { createImmediateLane, sendImmediate } from './capture/immediate-send.js'
import type { ShutdownOutcome, ShutdownResult } from './shutdown.js'
import { lazyModule } from './lazy-module.js'
import { VERSION } from './version.js'
import { ContextManager, contextDataProblem, isPropertyBag, type ContextData, type ContextOptions } from './context.js'
import type { CrashHooks } from './exceptions/autocapture.js'
import type { ExceptionCapturer, ExceptionCaptureDetails } from './exceptions/capture-exception.js'
import type { ExceptionModule } from './exceptions/exception-module.js'
import { exceptionCode } from './exceptions/exception-module-loader.js'
import { CAPTURE_AUTOMATIC } from './integrations/shared/client-like.js'
import { uuidv7 } from './uuid.js'
import { LazyFeatureFlags } from './flags/lazy-flags.js'
import type { AllFlagsOptions, FeatureFlagEvaluationRuntime, FeatureFlagResult, FlagCallOptions, FlagOverrides, FlagValue, FlagsAndPayloads, JsonValue } from './flags/flag-api.js'
import type { FeatureFlagEvaluations } from './flags/feature-flag-evaluations.js'

export type {
  AliasMessage,
  CaptureScope,
  ClientEvents,
  FeatureFlagEnricher,
  GroupIdentifyMessage,
  IdentifyMessage,
  PersonPropertiesMessage,
  ShutdownOutcome,
  ShutdownResult,
  UnsetPersonPropertiesMessage,
}

/** `shutdown()`'s work, imported with the first shutdown. */
const shutdownCode = lazyModule(() => import('./shutdown.js'))

/**
 * The hoglet client. Entry points bind it to a runtime (`hoglet` for Node, Bun and Deno,
 * `hoglet/edge` for web-standard runtimes).
 *
 * Capture is synchronous: the event is validated, stamped and written into a bounded queue,
 * and becomes JSON only when its batch is sent. Nothing here throws into the caller after
 * construction; refused calls and lost events are reported through the logger, `onError`,
 * the `error`/`drop` events and `stats()`.
 *
 * The class wires the parts together; the work lives in `capture/` (validation, fast and slow
 * paths, Immediate sends), `person-events.ts`, `pipeline/`, `shutdown.ts` and `exceptions/`.
 */
export class PostHog {
  /** The validated options (read-only); other modules read their settings here. */
  readonly config: ResolvedOptions
  readonly runtime: Runtime
  readonly logger: SwitchableLogger
  /** The options as given (posthog-node exposes them as `client.options`). */
  readonly options: Readonly<PostHogOptions>
  /** For PostHog's AI integrations: redact prompts and outputs (the `privacyMode` option). */
  readonly privacyMode: boolean
  /** For PostHog's AI integrations (the `enableFullAiCapture` option). */
  readonly enableFullAiCapture: boolean
  readonly #pipeline: EventPipeline
  readonly #reporter: Reporter
  /** The pipeline's analytics lane, kept here so `capture()` reaches it in one step. */
  readonly #analytics: Lane
  readonly #capturer: EventCapturer
  /** `trackPending` as a function, made once: the capturer and Immediate sends hand work to it. */
  readonly #trackPending: <T>(promise: Promise<T>) => Promise<T>
  /** The flag service, loaded on first use (flags/lazy-flags.ts). */
  readonly #flags: LazyFeatureFlags
  readonly #shutdownHooks: Array<() => unknown> = []
  #timer: ReturnType<typeof setInterval> | undefined
  /** Removes the process hooks (Node: `flushOnExit`, the exit warning, `flushOnSignals`); it holds them, the runtime keeps only weak references. */
  #unwatchProcess: (() => void) | undefined
  #shutdownPromise: Promise<ShutdownOutcome> | undefined
  /** True once the shutdown hooks (flag poller, crash handlers) have run: they run on the first shutdown only. */
  #hooksRan = false
  #optedOut: boolean
  #removeDebugListener: (() => void) | undefined
  /** Set when crash autocapture sent the queue: the exit warning has nothing to add then. */
  #crashDelivered = false
  #contextManager: ContextManager | undefined
  #exceptionCapturer: ExceptionCapturer | undefined
  /** The exception-capture code when the entry point supplied it (Node); otherwise imported on first use. */
  #exceptionModule: ExceptionModule | undefined

  constructor(apiKey: string, options: PostHogOptions | undefined, runtime: Runtime) {
    this.config = resolveOptions(apiKey, options, runtime.optionNameWarnings)
    this.options = Object.freeze({ ...(options ?? {}) })
    this.runtime = runtime
    this.logger = this.config.logger
    this.privacyMode = this.config.privacyMode
    this.enableFullAiCapture = this.config.enableFullAiCapture
    this.#optedOut = !this.config.defaultOptIn
    const pipeline = (this.#pipeline = new EventPipeline(this.config, runtime))
    this.#reporter = pipeline.reporter
    this.#analytics = pipeline.analytics
    const trackPending = (this.#trackPending = <T>(promise: Promise<T>): Promise<T> => this.trackPending(promise))
    this.#capturer = new EventCapturer({
      config: this.config,
      logger: this.logger,
      reporter: pipeline.reporter,
      counters: pipeline.counters,
      emitter: pipeline.emitter,
      closing: pipeline.closing,
      trackPending,
      reportError: (error, level) => this.reportError(error, level),
    })
    this.#startBackground()
    this.#flags = new LazyFeatureFlags(this, () => this.#hooksRan)
  }

  /** The flush timer and the process hooks: started here and again after each `shutdown()`. */
  #startBackground(): void {
    if (this.config.disabled) return
    const pipeline = this.#pipeline
    if (this.config.flushInterval > 0 && !this.config.syncMode && this.#timer === undefined) {
      this.#timer = unrefTimer(setInterval(() => pipeline.kick(), this.config.flushInterval))
    }
    this.#unwatchProcess ??= this.runtime.watchProcess?.({
      config: this.config,
      logger: this.logger,
      flush: () => this.flush(),
      shutdown: () => this.shutdown(),
      pending: () => pipeline.pending(),
      held: () => pipeline.held(),
      spooled: () => pipeline.spool !== undefined,
      quietAtExit: () => this.#shutdownPromise !== undefined || this.#crashDelivered,
    })
  }

  #stopBackground(): void {
    this.#unwatchProcess?.()
    this.#unwatchProcess = undefined
    if (this.#timer !== undefined) clearInterval(this.#timer)
    this.#timer = undefined
  }

  // ---- Extension points for other hoglet modules ----

  /**
   * Context hook: the context module sets a function returning the current scope. Scopes must be
   * immutable: queued events keep a reference and read it when their batch is built.
   */
  setContextProvider(provider: (() => CaptureScope | undefined) | undefined): void {
    this.#capturer.contextProvider = provider
  }

  /** Flag hook: the flags module plugs in how `flags` / `sendFeatureFlags` become event properties. */
  setFeatureFlagEnricher(enricher: FeatureFlagEnricher | undefined): void {
    this.#capturer.flagEnricher = enricher
  }

  /** Runs `hook` first thing in `shutdown()` (stop pollers, remove process handlers). */
  addShutdownHook(hook: () => unknown): void {
    this.#shutdownHooks.push(hook)
  }

  /** Fires a client event (`on()` listeners), e.g. the flags module's `localEvaluationFlagsLoaded`. */
  emit<K extends keyof ClientEvents & string>(event: K, payload: ClientEvents[K]): void {
    this.#pipeline.emitter.emit(event, payload)
  }

  /** Reports an error the way every hoglet error is reported: logger, `onError`, `error` event. */
  reportError(error: Error, level: 'warn' | 'error' = 'error'): void {
    this.logger[level](error.message)
    this.#reporter.error(error)
  }

  /** Tracks async work that `flush()` and `shutdown()` must wait for (e.g. exception capture). */
  trackPending<T>(promise: Promise<T>): Promise<T> {
    return this.#pipeline.trackPending(promise)
  }

  // ---- Capture ----

  /**
   * Queues an event. A refused call (bad input) is reported and counted, never thrown. Returns
   * nothing, as posthog-node's: to tie the event to your logs, pass your own `uuid` (`uuidv7()`).
   */
  capture(message: EventMessage): void {
    this.#capturer.capture('capture', message, this.#analytics)
  }

  /** Sends one event now, bypassing the queue; resolves once it is delivered or has failed (reported, never rejected). */
  captureImmediate(message: EventMessage): Promise<void> {
    return this.#immediate('captureImmediate', message, this.#analytics.path, MAX_EVENT_BYTES).then(nothing)
  }

  /** LLM-analytics events: queued for `/i/v0/ai/batch/`, 8 MiB per event; a given `uuid` is kept. */
  captureAi(message: EventMessage): string | undefined {
    return this.#capturer.capture('captureAi', message, this.#pipeline.aiLane())
  }

  captureAiImmediate(message: EventMessage): Promise<string | undefined> {
    return this.#immediate('captureAiImmediate', message, AI_PATH, MAX_AI_EVENT_BYTES)
  }

  /** Sets person properties with an `$identify` event (no super or context properties, as posthog-node). */
  identify(message: IdentifyMessage): void {
    this.#person('identify', message, '$identify', identifyShape, CaptureKind.Identify)
  }

  identifyImmediate(message: IdentifyMessage): Promise<void> {
    return this.#personImmediate('identifyImmediate', message, '$identify', identifyShape, CaptureKind.Identify)
  }

  /** Links `alias` to `distinctId` (`$create_alias`). */
  alias(message: AliasMessage): void {
    this.#person('alias', message, '$create_alias', aliasProperties, CaptureKind.Alias)
  }

  aliasImmediate(message: AliasMessage): Promise<void> {
    return this.#personImmediate('aliasImmediate', message, '$create_alias', aliasProperties, CaptureKind.Alias)
  }

  /** Creates or updates a group (`$groupidentify` with `$group_type`, `$group_key`, `$group_set`). */
  groupIdentify(message: GroupIdentifyMessage): void {
    const prepared = this.#guarded('groupIdentify', undefined, () => prepareGroup(message))
    if (prepared) this.#person('groupIdentify', prepared, '$groupidentify', groupProperties, CaptureKind.Group)
    else this.#reporter.refuse('groupIdentify', '`groupType` and `groupKey` are required')
  }

  groupIdentifyImmediate(message: GroupIdentifyMessage): Promise<void> {
    const prepared = this.#guarded('groupIdentifyImmediate', undefined, () => prepareGroup(message))
    if (!prepared) {
      this.#reporter.refuse('groupIdentifyImmediate', '`groupType` and `groupKey` are required')
      return Promise.resolve()
    }
    return this.#personImmediate('groupIdentifyImmediate', prepared, '$groupidentify', groupProperties, CaptureKind.Group)
  }

  /** Sets person properties (`$set` event with `$set` / `$set_once`); like any event it carries super and context properties. */
  setPersonProperties(message: PersonPropertiesMessage): void {
    this.#person('setPersonProperties', message, '$set', personProperties, CaptureKind.Event)
  }

  /** Removes person properties (`$set` event with `$unset: [names]`). */
  unsetPersonProperties(message: UnsetPersonPropertiesMessage): void {
    this.#person('unsetPersonProperties', message, '$set', unsetProperties, CaptureKind.Event)
  }

  /** `$set`: shorthand for `setPersonProperties({ distinctId, properties })`. */
  set(message: { distinctId: string | number; properties: Record<string, unknown>; disableGeoip?: boolean }): void {
    this.#person('set', message, '$set', personProperties, CaptureKind.Event)
  }

  /** `$set_once`: shorthand for `setPersonProperties({ distinctId, propertiesOnce })`. */
  setOnce(message: { distinctId: string | number; properties: Record<string, unknown>; disableGeoip?: boolean }): void {
    this.#person('setOnce', message, '$set', setOnceProperties, CaptureKind.Event)
  }

  /** Adds properties to every later event (explicit and context properties win). Resolves at once (posthog-node's signature). */
  register(properties: Record<string, unknown>): Promise<void> {
    this.#guarded('register', undefined, () => this.#capturer.register(properties))
    return Promise.resolve()
  }

  /** Stops adding the super property `key`. */
  unregister(key: string): Promise<void> {
    this.#guarded('unregister', undefined, () => this.#capturer.unregister(key))
    return Promise.resolve()
  }

  // ---- Consent, debugging, identity of the SDK ----

  /** True while events are not sent because of `optOut()` / `disable()` or `defaultOptIn: false`. */
  get optedOut(): boolean {
    return this.#optedOut
  }

  /** Starts sending (consent given). A client created with `disabled` stays disabled. */
  optIn(): Promise<void> {
    return this.#setOptedOut(false)
  }

  /** Stops sending: later events are not queued (flag evaluation keeps working, without exposure events). */
  optOut(): Promise<void> {
    return this.#setOptedOut(true)
  }

  /** posthog-node's name for `optIn()`. */
  enable(): Promise<void> {
    return this.optIn()
  }

  /** posthog-node's name for `optOut()`. */
  disable(): Promise<void> {
    return this.optOut()
  }

  #setOptedOut(optedOut: boolean): Promise<void> {
    if (this.config.disabled) {
      this.logger.warn('The client is disabled')
      return Promise.resolve()
    }
    this.#optedOut = optedOut
    this.#capturer.off = optedOut
    return Promise.resolve()
  }

  /** Turns debug logging on (default) or off: `debug`/`info` messages, and each queued event and delivery. */
  debug(enabled: boolean = true): void {
    this.#removeDebugListener?.()
    this.#removeDebugListener = undefined
    this.logger.setDebug(enabled)
    if (enabled) {
      const logger = this.logger
      this.#removeDebugListener = this.#pipeline.emitter.on('*', (entry) => logger.info(String((entry as { event: unknown }).event), (entry as { payload: unknown }).payload))
    }
  }

  /** True while debug logging is on. */
  get isDebug(): boolean {
    return this.logger.debugEnabled
  }

  /** The project api key the client sends with. */
  get apiKey(): string {
    return this.config.apiKey
  }

  /** posthog-node's name for the api key. */
  get projectToken(): string {
    return this.config.apiKey
  }

  /** Where events and flag requests go. */
  get host(): string {
    return this.config.host
  }

  /** Events that start a background flush. */
  get flushAt(): number {
    return this.config.flushAt
  }

  /** The SDK name sent as `$lib`. */
  getLibraryId(): string {
    return 'hoglet'
  }

  /** The SDK version sent as `$lib_version`. */
  getLibraryVersion(): string {
    return VERSION
  }

  /** The `User-Agent` of hoglet's requests. */
  getCustomUserAgent(): string {
    return `hoglet/${VERSION}`
  }

  /** posthog-node's name for `trackPending`: `flush()` and `shutdown()` wait for the promise. */
  addPendingPromise<T>(promise: Promise<T>): Promise<T> {
    return this.trackPending(promise)
  }

  // ---- Context and exceptions (context.ts, exceptions/) ----

  /**
   * Runs `fn` in a context: events and flag calls inside it (across awaits) use its distinct id,
   * session id (`$session_id`), device id and properties. Merges with the enclosing context
   * unless `fresh`. Inside a context without a distinct id, events are personless.
   * Where the runtime has no AsyncLocalStorage, `fn` just runs.
   */
  withContext<T>(data: ContextData, fn: () => T, options?: ContextOptions): T {
    if (typeof fn !== 'function') return this.#reporter.refuse('withContext', 'expects a function to run as its second argument') as T
    // Bad data is reported, and `fn` still runs (in a scope built from the usable fields);
    // what `fn` itself throws is the caller's and propagates as usual.
    const contexts = this.#contexts()
    const scope = this.#guarded('withContext', undefined, () => {
      const problem = contextDataProblem(data)
      if (problem !== undefined) this.#reporter.refuse('withContext', problem)
      return contexts.scope(data, options)
    })
    return scope === undefined ? fn() : contexts.runIn(scope, fn)
  }

  /** Makes `data` the context of the rest of the current async execution (AsyncLocalStorage `enterWith`); prefer `withContext`. */
  enterContext(data: ContextData, options?: ContextOptions): void {
    this.#guarded('enterContext', undefined, () => {
      const problem = contextDataProblem(data)
      if (problem !== undefined) return void this.#reporter.refuse('enterContext', problem)
      this.#contexts().enter(data, options)
    })
  }

  /** The current context (merged with its parents), or undefined outside any. */
  getContext(): Readonly<ContextData> | undefined {
    return this.#contextManager?.get()
  }

  /**
   * Captures an error (any thrown value) as a `$exception` event with `$exception_list`
   * (type, message, mechanism, parsed stack frames with source lines on Node, causes) and
   * `$exception_level`, as posthog-node sends it. Without a distinct id (argument or context)
   * the event is personless. `uuid` and `flags` are those of `capture()`. An error object
   * captured before is not sent again.
   */
  captureException(
    error: unknown,
    distinctId?: string,
    additionalProperties?: Record<string | number, any>,
    uuid?: string,
    flags?: FeatureFlagEvaluations,
  ): void {
    this[CAPTURE_AUTOMATIC](error, distinctId, additionalProperties, { uuid, flags, syntheticStack: syntheticStackOf(error) })
  }

  /**
   * `captureException`, sent at once instead of queued: resolves once the event is delivered
   * or has failed (reported, never rejected), as posthog-node's `Promise<void>`.
   */
  captureExceptionImmediate(
    error: unknown,
    distinctId?: string,
    additionalProperties?: Record<string | number, any>,
    flags?: FeatureFlagEvaluations,
  ): Promise<void> {
    const syntheticStack = syntheticStackOf(error)
    const send = (): Promise<void> => {
      let sent: Promise<unknown> = Promise.resolve()
      const uuid = this[CAPTURE_AUTOMATIC](error, distinctId, additionalProperties, {
        flags,
        syntheticStack,
        deliver: (message) => {
          const withUuid = { ...message, uuid: message.uuid ?? uuidv7() }
          sent = this.#immediate('captureExceptionImmediate', withUuid as EventMessage, BATCH_PATH, MAX_EVENT_BYTES)
          return withUuid.uuid
        },
      })
      // An error captured before: nothing new to send.
      return uuid === undefined ? Promise.resolve() : sent.then(nothing)
    }
    return this.#exceptions() === undefined ? this.#afterExceptionModule(send) : send()
  }

  /** @internal How integrations and autocapture capture what they caught (mechanism, rate limit). */
  [CAPTURE_AUTOMATIC](
    error: unknown,
    distinctId: string | undefined,
    properties: Record<string, unknown> | undefined,
    details: ExceptionCaptureDetails,
  ): string | undefined {
    try {
      const capturer = this.#exceptions()
      if (capturer !== undefined) return capturer.capture(error, distinctId, properties, details)
      // First exception of a client without the code loaded: captured once it is (flush() waits for it).
      void this.#afterExceptionModule(() => void this[CAPTURE_AUTOMATIC](error, distinctId, properties, details))
    } catch (failure) {
      this.#exceptionFailed(failure, '')
    }
    return undefined
  }

  /**
   * @internal Entry points with crash hooks (Node) call this with them and the exception-capture
   * code, which the client then uses for every capture; the hooks are installed when
   * `enableExceptionAutocapture` is set, and `shutdown()` removes them.
   */
  attachCrashHooks(hooks: CrashHooks, exceptionModule: ExceptionModule): void {
    this.#exceptionModule ??= exceptionModule
    if (!this.config.enableExceptionAutocapture || this.config.disabled || this.#hooksRan) return
    const uninstall = exceptionModule.installExceptionAutocapture({
      capturer: this.#exceptions()!,
      hooks,
      lane: this.#analytics,
      serialize: this.#pipeline.serialize,
      config: this.config,
      delivering: () => void (this.#crashDelivered = true),
      flushSoon: () => void this.flush(),
    })
    this.addShutdownHook(uninstall)
  }

  // ---- Lifecycle and observation ----

  /**
   * Listens to `capture`, `identify`, `alias`, `flush` (the delivered events, as posthog-node, with
   * `path` and `count`), `error`, `drop`, `retry`, `localEvaluationFlagsLoaded` (or `*`); returns
   * the unsubscribe function.
   */
  on<K extends Exclude<keyof ClientEvents, number> & ('capture' | 'identify' | 'alias' | 'flush' | 'error' | 'drop' | 'retry')>(
    event: K,
    listener: (payload: ClientEvents[K]) => void,
  ): () => void
  on(event: string, listener: (...args: any[]) => void): () => void
  on(event: string, listener: (...args: any[]) => void): () => void {
    if (typeof event !== 'string' || typeof listener !== 'function') {
      this.#reporter.refuse('on', 'expects an event name and a listener function')
      return () => {}
    }
    return this.#pipeline.emitter.on(event, listener)
  }

  /** Delivery counters: captured, delivered, dropped by reason, retried, requests, in flight, queued. */
  stats(): PipelineStats {
    return this.#pipeline.stats()
  }

  // ---- Feature flags (implemented in flags/feature-flags.ts) ----
  // Every method resolves: failures give `undefined` and are reported, never thrown.

  /** Whether the flag is on for this person (a variant counts as on); `undefined` when unknown. Sends `$feature_flag_called`. */
  isFeatureEnabled(key: string, distinctId: string, options?: FlagCallOptions): Promise<boolean | undefined> {
    return this.#flags.call('isFeatureEnabled', undefined, key, distinctId ?? this.#contextDistinctId(), options)
  }

  /** The flag's value: `true`/`false` or the variant key; `undefined` when unknown. Sends `$feature_flag_called`. */
  getFeatureFlag(key: string, distinctId: string, options?: FlagCallOptions): Promise<FlagValue | undefined> {
    return this.#flags.call('getFeatureFlag', undefined, key, distinctId ?? this.#contextDistinctId(), options)
  }

  /**
   * The flag's JSON-decoded payload for this person, or for `matchValue` when given. `null` when
   * the flag has no payload for that value, `undefined` when the flag is unknown. Sends no event.
   */
  getFeatureFlagPayload(key: string, distinctId: string, matchValue?: FlagValue, options?: FlagCallOptions): Promise<JsonValue | null | undefined> {
    return this.#flags.call('getFeatureFlagPayload', undefined, key, distinctId ?? this.#contextDistinctId(), matchValue, options)
  }

  /**
   * Key, enabled, variant, decoded payload and reason in one call. Sends `$feature_flag_called`.
   * Without a distinct id (`getFeatureFlagResult(key, options)`), the context's is used.
   */
  getFeatureFlagResult(key: string, options?: FlagCallOptions): Promise<FeatureFlagResult | undefined>
  getFeatureFlagResult(key: string, distinctId: string, options?: FlagCallOptions): Promise<FeatureFlagResult | undefined>
  getFeatureFlagResult(key: string, distinctIdOrOptions?: string | FlagCallOptions, options?: FlagCallOptions): Promise<FeatureFlagResult | undefined> {
    const [distinctId, opts] = this.#flagSubject(distinctIdOrOptions, options)
    return this.#flags.call('getFeatureFlagResult', undefined, key, distinctId, opts)
  }

  /** Every flag's value for this person (`flagKeys` to limit); the context's distinct id without one. Sends no exposure events. */
  getAllFlags(options?: AllFlagsOptions): Promise<Record<string, FlagValue>>
  getAllFlags(distinctId: string, options?: AllFlagsOptions): Promise<Record<string, FlagValue>>
  getAllFlags(distinctIdOrOptions?: string | AllFlagsOptions, options?: AllFlagsOptions): Promise<Record<string, FlagValue>> {
    const [distinctId, opts] = this.#flagSubject(distinctIdOrOptions, options)
    return this.#flags.call('getAllFlags', {}, distinctId, opts)
  }

  /** Every flag's value and decoded payload (`flagKeys` to limit); the context's distinct id without one. Sends no exposure events. */
  getAllFlagsAndPayloads(options?: AllFlagsOptions): Promise<FlagsAndPayloads>
  getAllFlagsAndPayloads(distinctId: string, options?: AllFlagsOptions): Promise<FlagsAndPayloads>
  getAllFlagsAndPayloads(distinctIdOrOptions?: string | AllFlagsOptions, options?: AllFlagsOptions): Promise<FlagsAndPayloads> {
    const [distinctId, opts] = this.#flagSubject(distinctIdOrOptions, options)
    return this.#flags.call('getAllFlagsAndPayloads', { featureFlags: {}, featureFlagPayloads: {} }, distinctId, opts)
  }

  /**
   * Evaluate every flag (or `flagKeys`) once: locally where possible, with at most one `/flags`
   * request for the rest. Read it with `isEnabled`/`getFlag` (each read sends a deduplicated
   * `$feature_flag_called`) and pass it to `capture({ flags })`. Without a distinct id, the context's is used.
   */
  evaluateFlags(options?: AllFlagsOptions): Promise<FeatureFlagEvaluations>
  evaluateFlags(distinctId: string, options?: AllFlagsOptions): Promise<FeatureFlagEvaluations>
  evaluateFlags(distinctIdOrOptions?: string | AllFlagsOptions, options?: AllFlagsOptions): Promise<FeatureFlagEvaluations> {
    const [distinctId, opts] = this.#flagSubject(distinctIdOrOptions, options)
    return this.#flags.evaluateFlags(distinctId, opts)
  }

  /** The `$feature_flag_called` events already sent, by distinct id (posthog-node's property; assign `{}` to forget them). */
  get distinctIdHasSentFlagCalls(): Record<string, Set<string>> {
    return this.#flags.sentFlagCalls
  }

  set distinctIdHasSentFlagCalls(value: Record<string, Set<string>>) {
    this.#flags.sentFlagCalls = value
  }

  /** Where the flag is meant to be evaluated (`all`, `client`, `server`), from the loaded definitions. */
  getFeatureFlagEvaluationRuntime(key: string): FeatureFlagEvaluationRuntime | undefined {
    return this.#flags.current()?.getFeatureFlagEvaluationRuntime(key)
  }

  /** Keys of the loaded flags meant for `runtime` (flags for `all` runtimes included). */
  getFeatureFlagKeysByEvaluationRuntime(runtime: FeatureFlagEvaluationRuntime): string[] {
    return this.#flags.current()?.getFeatureFlagKeysByEvaluationRuntime(runtime) ?? []
  }

  /** The flag's remote-config payload (decrypted by PostHog); needs `secretKey`. `undefined` on any failure. */
  getRemoteConfigPayload(flagKey: string): Promise<JsonValue | undefined> {
    return this.#flags.call('getRemoteConfigPayload', undefined, flagKey)
  }

  /** Fetch the flag definitions now (local evaluation). */
  reloadFeatureFlags(): Promise<void> {
    return this.#flags.call('reloadFeatureFlags', undefined)
  }

  /** True once definitions are loaded, false after `timeoutMs` or at once when loading failed for good (bad key, quota). */
  waitForLocalEvaluationReady(timeoutMs?: number): Promise<boolean> {
    return this.#flags.call('waitForLocalEvaluationReady', false, timeoutMs)
  }

  /** True when flag definitions are loaded, even if the project has no flags. */
  isLocalEvaluationReady(): boolean {
    return this.#flags.current()?.isLocalEvaluationReady() ?? false
  }

  /** Test overrides that win over local and remote evaluation; `false` removes them. */
  overrideFeatureFlags(overrides: FlagOverrides): void {
    if (overrides !== false && !isPropertyBag(overrides) && !Array.isArray(overrides)) {
      return void this.#reporter.refuse('overrideFeatureFlags', 'expects an object, an array of flag keys or `false`; the overrides are unchanged')
    }
    this.#guarded('overrideFeatureFlags', undefined, () => this.#flags.overrideFeatureFlags(overrides))
  }

  /** True when the client sends nothing (the `disabled` option or a blank api key). */
  get isDisabled(): boolean {
    return this.config.disabled
  }

  /**
   * Resolves when every event captured before the call is delivered or definitively failed.
   * It never rejects: failures are reported through `onError`, `on('drop')` and `stats()`.
   */
  flush(): Promise<void> {
    return this.#pipeline.flush()
  }

  /**
   * Flushes queued events within `timeoutMs` and stops the background work (flush timer, exit
   * hook; the first shutdown also stops the flag poller and removes crash handlers). Whatever is
   * still queued at the deadline is dropped and reported. While it runs, calling it again returns
   * the same promise. The client stays usable afterwards, as posthog-node's does: the serverless
   * pattern of a module-level client with `await posthog.shutdown()` at the end of each
   * invocation delivers every invocation's events.
   *
   * Resolves with `{ delivered, undelivered, timedOut }`; typed `void & ShutdownResult` so code
   * written for posthog-node's `Promise<void>` (`stop(): Promise<void> { return posthog.shutdown() }`) compiles.
   */
  shutdown(timeoutMs?: number): Promise<ShutdownOutcome> {
    if (this.#shutdownPromise === undefined) {
      // Not a number (NaN included): the default budget. Infinity: no deadline.
      const ms = typeof timeoutMs === 'number' && !Number.isNaN(timeoutMs) ? timeoutMs : this.config.shutdownTimeoutMs
      const running = this.#shutdown(ms).finally(() => {
        this.#shutdownPromise = undefined
        this.#pipeline.closing.reset()
        // The client stays usable: a new spool directory takes over what this shutdown left.
        this.#pipeline.reopenSpool()
        this.#startBackground()
      })
      this.#shutdownPromise = running
    }
    return this.#shutdownPromise
  }

  /** `await using client = new PostHog(...)` shuts down with the default timeout. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown()
  }

  #shutdown(timeoutMs: number): Promise<ShutdownOutcome> {
    const hooks = this.#hooksRan ? [] : this.#shutdownHooks
    this.#hooksRan = true
    // The timer and exit hook stop now, before the shutdown code is imported.
    this.#stopBackground()
    return shutdownCode.load().then((code) =>
      code.runShutdown(
        this.#pipeline,
        {
          logger: this.logger,
          hooks,
          flush: async () => {
            await this.flush()
            // An open waitUntil cycle ends now instead of at its debounce timer.
            await this.#pipeline.waitUntil?.settle()
          },
          reportError: (error) => this.reportError(error),
        },
        timeoutMs,
      ),
    )
  }

  // ---- Internals ----

  /** posthog-node's overloads: a string is the distinct id; otherwise the options, and the context's distinct id. */
  #flagSubject<O>(distinctIdOrOptions: string | number | O | undefined, options: O | undefined): [string | number | undefined, O | undefined] {
    if (typeof distinctIdOrOptions === 'string' || typeof distinctIdOrOptions === 'number') return [distinctIdOrOptions, options]
    return [this.#contextDistinctId(), distinctIdOrOptions ?? options]
  }

  /** The distinct id of the current context, if any. */
  #contextDistinctId(): string | number | undefined {
    return this.#capturer.contextProvider?.()?.distinctId
  }

  /**
   * Runs the part of a public call that reads the caller's arguments: a throw there (a
   * throwing getter, a proxy, an odd iterable) refuses the call, reported and counted.
   */
  #guarded<T>(method: string, fallback: T, fn: () => T): T {
    try {
      return fn()
    } catch (error) {
      this.#reporter.refuseSerialisation(method, error)
      return fallback
    }
  }

  async #immediate(method: string, message: EventMessage, path: string, maxBytes: number, kind: CaptureKind = CaptureKind.Event): Promise<string | undefined> {
    if (this.#capturer.off) return undefined
    const holder = createImmediateLane(this.#pipeline, path, maxBytes)
    const uuid = this.#capturer.capture(method, message, holder, kind)
    return sendImmediate(this.#pipeline, this.#trackPending, holder, uuid)
  }

  #person<M extends PersonCallMessage>(method: string, message: M, event: string, shape: (message: M) => Record<string, unknown>, kind: CaptureKind): string | undefined {
    const built = this.#guarded(method, undefined, () => this.#personMessage(method, message, event, shape))
    return built && this.#capturer.capture(method, built, this.#analytics, kind)
  }

  #personImmediate<M extends PersonCallMessage>(
    method: string,
    message: M,
    event: string,
    shape: (message: M) => Record<string, unknown>,
    kind: CaptureKind,
  ): Promise<void> {
    const built = this.#guarded(method, undefined, () => this.#personMessage(method, message, event, shape))
    return built ? this.#immediate(method, built, this.#analytics.path, MAX_EVENT_BYTES, kind).then(nothing) : Promise.resolve()
  }

  /** identify/alias/groupIdentify/set: the capture message of the call, or undefined when refused or off. */
  #personMessage<M extends PersonCallMessage>(method: string, message: M, event: string, shape: (message: M) => Record<string, unknown>): EventMessage | undefined {
    if (this.#capturer.off) return undefined
    return personEventMessage(this.#reporter, method, message, event, shape)
  }

  #contexts(): ContextManager {
    if (this.#contextManager === undefined) {
      const manager = new ContextManager(this.runtime.createContextStorage?.<Readonly<ContextData>>())
      this.#contextManager = manager
      this.setContextProvider(() => manager.get())
    }
    return this.#contextManager
  }

  /** The client's exception capturer, or undefined while the exception-capture code is not loaded. */
  #exceptions(): ExceptionCapturer | undefined {
    const module = this.#exceptionModule ?? exceptionCode.loaded()
    return (this.#exceptionCapturer ??= module?.createClientExceptionCapturer(this, (message) => this.#capturer.capture('capture', message, this.#analytics)))
  }

  /** Runs `capture` once the exception-capture code is imported; `flush()` and `shutdown()` wait for it. */
  #afterExceptionModule(capture: () => void | Promise<void>): Promise<void> {
    return this.trackPending(exceptionCode.load().then(capture, (error: unknown) => this.#exceptionFailed(error, 'the exception-capture code did not load: ')))
  }

  #exceptionFailed(cause: unknown, why: string): void {
    this.reportError(new InvalidEventError('captureException', `the exception could not be captured: ${why}${(cause as Error)?.message ?? cause}`, { cause }))
  }
}

/** For a thrown value that is not an Error: where it was captured, as its stack. */
function syntheticStackOf(error: unknown): string | undefined {
  return error instanceof Error ? undefined : new Error('syntheticException').stack
}

/** Discards an Immediate call's uuid: posthog-node's Immediate calls resolve with nothing. */
function nothing(): void {}
