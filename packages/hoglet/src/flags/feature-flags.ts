/**
 * The client's flag service: local evaluation first (definitions polled and compiled once
 * per load), remote `/flags` for whatever local evaluation cannot decide, exposure events,
 * test overrides. Every public method resolves: a failure becomes `undefined`, one report
 * (the client's logger, `onError` and `error` event) and a `$feature_flag_error` on the
 * exposure event.
 *
 * This class owns the state and the public surface; the paths live in `single-flag.ts` and
 * `all-flags.ts` as plain functions over that state, so the synchronous local answers cost
 * one function call more than nothing.
 */
import { clampTimerMs } from '../timers.js'
import { nextOverrides, type AllFlagsOptions, type FeatureFlagEvaluationRuntime, type FeatureFlagResult, type FlagCallOptions, type FlagOverrides, type FlagValue, type FlagsAndPayloads, type JsonValue } from './flag-api.js'
import { DefinitionsPoller } from './poller.js'
import { RemoteFlagsClient, fetchRemoteConfigPayload } from './remote.js'
import { ExposureReporter } from './exposure.js'
import { StaleFlagValues } from './stale-values.js'
import { FlagSnapshot } from './snapshot.js'
import type { FeatureFlagEvaluations } from './feature-flag-evaluations.js'
import { reportRemoteError, type FeatureFlagsConfig, type FlagServiceState } from './flag-service-state.js'
import { compileDefinitions, type CompiledDefinitions } from './loaded-definitions.js'
import { answerLocally, evaluateOne, payloadFor } from './single-flag.js'
import { allFlagValues, allFlagsAndPayloads, evaluateFlagsSnapshot, localAll } from './all-flags.js'
import { createRegexBudget } from '../engine/engine.js'

export type { FeatureFlagsConfig } from './flag-service-state.js'

export class FeatureFlags {
  readonly poller: DefinitionsPoller<CompiledDefinitions> | undefined
  private readonly state: FlagServiceState

  constructor(config: FeatureFlagsConfig) {
    const remote = new RemoteFlagsClient({
      host: config.host,
      projectToken: config.projectToken,
      fetch: config.fetch,
      userAgent: config.userAgent,
      timeoutMs: config.requestTimeoutMs,
      maxRetries: config.maxRetries,
      retryDelayMs: config.retryDelayMs,
      evaluationContexts: config.evaluationContexts ? [...config.evaluationContexts] : undefined,
    })
    const exposures = new ExposureReporter(config.capture, config.maxCacheSize, config.logger)
    const stale = config.staleValues ? new StaleFlagValues(config.staleValues.maxAgeMs, config.staleValues.maxDistinctIds) : undefined
    // A cache provider without a key only reads what another process stored (posthog-node's cache-only reader).
    if ((config.secretKey || config.cacheProvider) && config.enableLocalEvaluation && !config.disabled) {
      this.poller = new DefinitionsPoller<CompiledDefinitions>({
        host: config.host,
        projectToken: config.projectToken,
        secretKey: config.secretKey,
        fetch: config.fetch,
        userAgent: config.userAgent,
        pollIntervalMs: config.pollIntervalMs,
        requestTimeoutMs: config.definitionsTimeoutMs,
        logger: config.logger,
        compile: (data) => compileDefinitions(data, config.sha1Hex, { evaluationContexts: config.evaluationContexts, timezone: config.timezone }),
        cacheProvider: config.cacheProvider,
        backup: config.backup,
        report: config.report,
        onLoaded: () => this.definitionsLoaded(),
      })
    }
    this.state = { config, poller: this.poller, remote, exposures, overrides: { flags: undefined, payloads: undefined }, minimalFlagCalledEvents: false, stale }
    if (config.preloadDefinitions !== false) this.poller?.start()
  }

  /** Whether calls answer locally only unless told otherwise (`strictLocalEvaluation`, `disableRemoteFeatureFlags`). */
  get strictLocalEvaluation(): boolean {
    return this.state.config.strictLocalEvaluation || this.state.config.disableRemote === true
  }

  /** Whether slim `$feature_flag_called` events are on (PostHog's `minimalFlagCalledEvents` gate). */
  get minimalFlagCalledEvents(): boolean {
    return this.state.minimalFlagCalledEvents
  }

  private definitionsLoaded(): void {
    const loaded = this.poller?.definitions
    if (!loaded) return
    this.state.minimalFlagCalledEvents = loaded.data.minimalFlagCalledEvents === true
    this.state.stale?.clear()
    // posthog-node's count: the flags kept for this SDK's evaluation contexts.
    this.state.config.onDefinitionsLoaded?.(loaded.compiled.runtimes.size)
  }

  /** Where the flag is meant to be evaluated, from the loaded definitions; undefined when unknown. */
  getFeatureFlagEvaluationRuntime(key: string): FeatureFlagEvaluationRuntime | undefined {
    return this.poller?.definitions?.compiled.runtimes.get(key)
  }

  /** Keys of the loaded flags that `runtime` evaluates (`all` flags match every runtime). */
  getFeatureFlagKeysByEvaluationRuntime(runtime: FeatureFlagEvaluationRuntime): string[] {
    const runtimes = this.poller?.definitions?.compiled.runtimes
    if (!runtimes) return []
    const keys: string[] = []
    for (const [key, r] of runtimes) if (r === runtime || r === 'all' || runtime === 'all') keys.push(key)
    return keys
  }

  // ---- single flag (single-flag.ts) --------------------------------------------------

  // Every public method resolves whatever its arguments: a synchronous throw (a throwing getter
  // or proxy in the caller's options) or a rejection is reported and answered with the
  // method's "unknown" value. The synchronous local answers only pay for a try block.

  getFeatureFlagResult(key: string, distinctId: string | number | undefined, options: FlagCallOptions = {}, matchValue?: FlagValue): Promise<FeatureFlagResult | undefined> {
    try {
      return this.#guard('getFeatureFlagResult', evaluateOne(this.state, key, distinctId, options, this.state.config.sendFeatureFlagEvent, matchValue), undefined)
    } catch (error) {
      return this.#failed('getFeatureFlagResult', error, undefined)
    }
  }

  getFeatureFlag(key: string, distinctId: string | number | undefined, options?: FlagCallOptions): Promise<FlagValue | undefined> {
    try {
      const local = answerLocally(this.state, key, distinctId, options)
      if (local !== undefined) return Promise.resolve(local.value)
      return this.#guard('getFeatureFlag', evaluateOne(this.state, key, distinctId, options, this.state.config.sendFeatureFlagEvent).then((r) => (r ? (r.enabled ? (r.variant ?? true) : false) : undefined)), undefined)
    } catch (error) {
      return this.#failed('getFeatureFlag', error, undefined)
    }
  }

  isFeatureEnabled(key: string, distinctId: string | number | undefined, options?: FlagCallOptions): Promise<boolean | undefined> {
    try {
      const local = answerLocally(this.state, key, distinctId, options)
      if (local !== undefined) return Promise.resolve(local.enabled)
      return this.#guard('isFeatureEnabled', evaluateOne(this.state, key, distinctId, options, this.state.config.sendFeatureFlagEvent).then((r) => (r ? r.enabled : undefined)), undefined)
    } catch (error) {
      return this.#failed('isFeatureEnabled', error, undefined)
    }
  }

  #guard<T>(method: string, promise: Promise<T>, fallback: T): Promise<T> {
    return promise.then(undefined, (error: unknown) => this.#failed(method, error, fallback))
  }

  #failed<T>(method: string, error: unknown, fallback: T): Promise<T> {
    try {
      this.state.config.report(new Error(`${method}() could not evaluate: ${(error as Error)?.message ?? String(error)}`, { cause: error }), 'warn')
    } catch {
      // Reporting must not turn into a throw either.
    }
    return Promise.resolve(fallback)
  }

  /**
   * The decoded payload for the flag's value for this subject, or for `matchValue` when given
   * (answered from local definitions without evaluating when they have the flag). `null` when
   * the flag has a value but no payload for it; `undefined` when the flag is unknown.
   */
  getFeatureFlagPayload(key: string, distinctId: string | number | undefined, matchValue?: FlagValue, options: FlagCallOptions = {}): Promise<JsonValue | null | undefined> {
    try {
      return this.#guard('getFeatureFlagPayload', payloadFor(this.state, key, distinctId, matchValue, options), undefined)
    } catch (error) {
      return this.#failed('getFeatureFlagPayload', error, undefined)
    }
  }

  // ---- all flags (all-flags.ts) ------------------------------------------------------

  /** Every flag's value for the subject. Sends no exposure events. */
  getAllFlags(distinctId: string | number | undefined, options?: AllFlagsOptions): Promise<Record<string, FlagValue>> {
    try {
      // One regex budget for the call, shared by the fast path and the full one.
      const budget = createRegexBudget()
      const pass = localAll(this.state, distinctId, options, budget)
      if (pass && pass.inconclusive.length === 0) {
        const { results } = pass
        const values: Record<string, FlagValue> = {}
        for (const key in results) values[key] = results[key]!.value
        return Promise.resolve(values)
      }
      return this.#guard('getAllFlags', allFlagValues(this.state, distinctId, options ?? {}, pass), {})
    } catch (error) {
      return this.#failed('getAllFlags', error, {})
    }
  }

  /** Every flag's value and decoded payload for the subject. Sends no exposure events. */
  getAllFlagsAndPayloads(distinctId: string | number | undefined, options: AllFlagsOptions = {}): Promise<FlagsAndPayloads> {
    try {
      return this.#guard('getAllFlagsAndPayloads', allFlagsAndPayloads(this.state, distinctId, options), { featureFlags: {}, featureFlagPayloads: {} })
    } catch (error) {
      return this.#failed('getAllFlagsAndPayloads', error, { featureFlags: {}, featureFlagPayloads: {} })
    }
  }

  /** A snapshot of every flag (or `flagKeys`) for the subject: local first, one `/flags` call at most. */
  evaluateFlags(rawDistinctId: unknown, options: AllFlagsOptions = {}): Promise<FeatureFlagEvaluations> {
    const logger = this.state.config.logger
    try {
      return this.#guard('evaluateFlags', evaluateFlagsSnapshot(this.state, rawDistinctId, options), FlagSnapshot.empty(logger))
    } catch (error) {
      return this.#failed('evaluateFlags', error, FlagSnapshot.empty(logger))
    }
  }

  // ---- remote config, lifecycle, overrides ---------------------------------------------

  /** The flag's remote-config payload (decrypted by the server); needs a secret key. */
  getRemoteConfigPayload(key: string): Promise<JsonValue | undefined> {
    try {
      return this.#guard('getRemoteConfigPayload', this.#remoteConfigPayload(key), undefined)
    } catch (error) {
      return this.#failed('getRemoteConfigPayload', error, undefined)
    }
  }

  async #remoteConfigPayload(key: string): Promise<JsonValue | undefined> {
    const { config } = this.state
    if (!config.secretKey) {
      const message = 'getRemoteConfigPayload needs the `secretKey` (or `personalApiKey`) option'
      config.report(new Error(message), 'warn')
      return undefined
    }
    const outcome = await fetchRemoteConfigPayload({
      host: config.host,
      projectToken: config.projectToken,
      secretKey: config.secretKey,
      key,
      fetch: config.fetch,
      userAgent: config.userAgent,
      timeoutMs: config.remoteConfigTimeoutMs,
    })
    if (outcome.ok) return outcome.payload
    reportRemoteError(config, outcome.error)
    return undefined
  }

  reloadFeatureFlags(): Promise<void> {
    if (!this.poller) {
      this.state.config.logger.warn('reloadFeatureFlags: local evaluation is off (no `secretKey`, or `enableLocalEvaluation: false`)')
      return Promise.resolve()
    }
    this.poller.start()
    return this.poller.reload()
  }

  waitForLocalEvaluationReady(timeoutMs = 30_000): Promise<boolean> {
    if (!this.poller) return Promise.resolve(false)
    this.poller.start()
    // A NaN, negative or over-long timeout must not turn into a 1 ms timer (or a throw).
    const ms = typeof timeoutMs === 'number' ? clampTimerMs(timeoutMs) : 30_000
    return this.poller.waitForReady(ms)
  }

  isLocalEvaluationReady(): boolean {
    return this.poller?.isReady() ?? false
  }

  /** posthog-node's `distinctIdHasSentFlagCalls`: the exposures already sent, by distinct id. */
  get sentFlagCalls(): Record<string, Set<string>> {
    return this.state.exposures.deduper.toRecord()
  }

  set sentFlagCalls(value: Record<string, Set<string>>) {
    this.state.exposures.deduper.replace(value)
  }

  /** Overrides replace evaluation entirely for the keys they name (see flag-overrides.ts). */
  overrideFeatureFlags(overrides: FlagOverrides): void {
    this.state.overrides = nextOverrides(this.state.overrides, overrides)
  }

  /** Stop polling, shut the cache provider down, forget exposures. Idempotent. */
  async shutdown(): Promise<void> {
    this.state.exposures.deduper.clear()
    await this.poller?.stop()
  }
}
