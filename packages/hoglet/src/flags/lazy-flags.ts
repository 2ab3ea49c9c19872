/**
 * The client's handle on the flag service, which loads on first use: a program that only
 * captures never loads (or, bundled, never downloads) the flag service and the engine. The
 * service's module is imported when a flag method is called, when `capture()` asks for
 * `sendFeatureFlags`, or at construction when local evaluation starts a poller there.
 * Every method answers as `FeatureFlags` does; before the service is there, the synchronous
 * ones answer from what is already known (nothing is loaded yet) and the overrides and
 * exposure memory are kept here and handed over when it arrives.
 */
import type { FeatureFlagEnricher } from '../capture/event-capturer.js'
import type { FeatureFlags } from './feature-flags.js'
import type { FlagServiceHost } from './feature-flags-client.js'
import { nextOverrides, type AllFlagsOptions, type FeatureFlagEvaluationRuntime, type FeatureFlagResult, type FlagCallOptions, type FlagOverrides, type FlagValue, type FlagsAndPayloads, type JsonValue, type NormalizedOverrides } from './flag-api.js'
import type { FeatureFlagEvaluations } from './snapshot.js'
import { snapshotProperties } from './snapshot-registry.js'

type FlagServiceModule = typeof import('./feature-flags-client.js')

/** One import per process, shared by every client. */
let serviceModule: Promise<FlagServiceModule> | undefined
function loadServiceModule(): Promise<FlagServiceModule> {
  return (serviceModule ??= import('./feature-flags-client.js'))
}

/** Whether the service must exist from construction on: it starts loading definitions then (or warns about the backup). */
function neededAtStart(config: FlagServiceHost['config']): boolean {
  if (config.flagDefinitionsBackupPath !== undefined) return true
  return Boolean(config.secretKey || config.flagDefinitionCacheProvider) && config.enableLocalEvaluation && !config.disabled && config.preloadFeatureFlags !== false
}

export class LazyFeatureFlags {
  readonly #host: FlagServiceHost
  /** True once the client's first shutdown ran its hooks: a service arriving later starts stopped, as if shut down with it. */
  readonly #shutdownHooksRan: () => boolean
  #service: FeatureFlags | undefined
  #loading: Promise<FeatureFlags> | undefined
  #overrides: NormalizedOverrides | undefined
  #sentFlagCalls: Record<string, Set<string>> | undefined

  constructor(host: FlagServiceHost, shutdownHooksRan: () => boolean) {
    this.#host = host
    this.#shutdownHooksRan = shutdownHooksRan
    host.setFeatureFlagEnricher(this.#enricherUntilLoaded())
    if (neededAtStart(host.config)) this.#load().catch(() => {})
  }

  /** The service once loaded, else undefined (nothing is loaded, so nothing is known yet). */
  get loaded(): FeatureFlags | undefined {
    return this.#service
  }

  #load(): Promise<FeatureFlags> {
    this.#loading ??= loadServiceModule().then(
      (module) => {
        const service = module.createClientFeatureFlags(this.#host)
        if (this.#overrides !== undefined) service.restoreOverrides(this.#overrides)
        if (this.#sentFlagCalls !== undefined) service.sentFlagCalls = this.#sentFlagCalls
        this.#overrides = this.#sentFlagCalls = undefined
        this.#service = service
        if (this.#shutdownHooksRan()) void service.shutdown()
        return service
      },
      (error: unknown) => {
        this.#host.reportError(new Error(`the feature flag service could not be loaded: ${(error as Error)?.message ?? String(error)}`, { cause: error }))
        throw error
      },
    )
    return this.#loading
  }

  /** Runs `call` on the service: at once when loaded, else once it is (`fallback` if it cannot load). */
  #with<T>(fallback: T, call: (service: FeatureFlags) => Promise<T>): Promise<T> {
    if (this.#service !== undefined) return call(this.#service)
    return this.#load().then(call, () => fallback)
  }

  /** Snapshots are read without the service (a snapshot exists only where it was loaded); fetched flags wait for it. */
  #enricherUntilLoaded(): FeatureFlagEnricher {
    return {
      propertiesFromSnapshot: snapshotProperties,
      fetchProperties: (distinctId, groups, options) =>
        this.#load().then(async (service) => (await loadServiceModule()).propertiesForCapture(service, distinctId, groups, options)),
    }
  }

  isFeatureEnabled(key: string, distinctId: string | number | undefined, options?: FlagCallOptions): Promise<boolean | undefined> {
    return this.#with(undefined, (s) => s.isFeatureEnabled(key, distinctId, options))
  }

  getFeatureFlag(key: string, distinctId: string | number | undefined, options?: FlagCallOptions): Promise<FlagValue | undefined> {
    return this.#with(undefined, (s) => s.getFeatureFlag(key, distinctId, options))
  }

  getFeatureFlagPayload(key: string, distinctId: string | number | undefined, matchValue?: FlagValue, options?: FlagCallOptions): Promise<JsonValue | null | undefined> {
    return this.#with(undefined, (s) => s.getFeatureFlagPayload(key, distinctId, matchValue, options))
  }

  getFeatureFlagResult(key: string, distinctId: string | number | undefined, options?: FlagCallOptions): Promise<FeatureFlagResult | undefined> {
    return this.#with(undefined, (s) => s.getFeatureFlagResult(key, distinctId, options))
  }

  getAllFlags(distinctId: string | number | undefined, options?: AllFlagsOptions): Promise<Record<string, FlagValue>> {
    return this.#with({}, (s) => s.getAllFlags(distinctId, options))
  }

  getAllFlagsAndPayloads(distinctId: string | number | undefined, options?: AllFlagsOptions): Promise<FlagsAndPayloads> {
    return this.#with({ featureFlags: {}, featureFlagPayloads: {} }, (s) => s.getAllFlagsAndPayloads(distinctId, options))
  }

  evaluateFlags(distinctId: unknown, options?: AllFlagsOptions): Promise<FeatureFlagEvaluations> {
    if (this.#service !== undefined) return this.#service.evaluateFlags(distinctId, options)
    return this.#load().then((s) => s.evaluateFlags(distinctId, options))
  }

  getRemoteConfigPayload(key: string): Promise<JsonValue | undefined> {
    return this.#with(undefined, (s) => s.getRemoteConfigPayload(key))
  }

  reloadFeatureFlags(): Promise<void> {
    return this.#with(undefined, (s) => s.reloadFeatureFlags())
  }

  waitForLocalEvaluationReady(timeoutMs?: number): Promise<boolean> {
    return this.#with(false, (s) => s.waitForLocalEvaluationReady(timeoutMs))
  }

  isLocalEvaluationReady(): boolean {
    return this.#service?.isLocalEvaluationReady() ?? false
  }

  getFeatureFlagEvaluationRuntime(key: string): FeatureFlagEvaluationRuntime | undefined {
    return this.#service?.getFeatureFlagEvaluationRuntime(key)
  }

  getFeatureFlagKeysByEvaluationRuntime(runtime: FeatureFlagEvaluationRuntime): string[] {
    return this.#service?.getFeatureFlagKeysByEvaluationRuntime(runtime) ?? []
  }

  get sentFlagCalls(): Record<string, Set<string>> {
    return this.#service !== undefined ? this.#service.sentFlagCalls : { ...this.#sentFlagCalls }
  }

  set sentFlagCalls(value: Record<string, Set<string>>) {
    if (this.#service !== undefined) this.#service.sentFlagCalls = value
    else this.#sentFlagCalls = { ...value }
  }

  /** Parsed now (a bad value is refused in the caller's call), applied by the service when it loads. */
  overrideFeatureFlags(overrides: FlagOverrides): void {
    if (this.#service !== undefined) return this.#service.overrideFeatureFlags(overrides)
    this.#overrides = nextOverrides(this.#overrides ?? { flags: undefined, payloads: undefined }, overrides)
  }
}
