/**
 * The client's handle on the flag service, which loads on first use: a program that only
 * captures never loads (or, bundled, never downloads) the flag service and the engine. The
 * service's module is imported when a flag method is called, when `capture()` asks for
 * `sendFeatureFlags`, or at construction when local evaluation starts a poller there.
 * Every method answers as `FeatureFlags` does; before the service is there, the synchronous
 * ones answer from what is already known (nothing is loaded yet) and the overrides and
 * exposure memory are handed over when it arrives.
 */
import type { FeatureFlagEnricher } from '../capture/event-capturer.js'
import type { FeatureFlags } from './feature-flags.js'
import type { FlagServiceHost } from './feature-flags-client.js'
import type { AllFlagsOptions, FlagOverrides } from './flag-api.js'
import type { FeatureFlagEvaluations } from './feature-flag-evaluations.js'
import { snapshotProperties } from './snapshot-registry.js'
import { lazyModule } from '../lazy-module.js'

type FlagServiceModule = typeof import('./feature-flags-client.js')

/** The service's methods that answer with a promise and have a fallback answer when the service cannot load. */
type AsyncFlagMethod =
  | 'isFeatureEnabled'
  | 'getFeatureFlag'
  | 'getFeatureFlagPayload'
  | 'getFeatureFlagResult'
  | 'getAllFlags'
  | 'getAllFlagsAndPayloads'
  | 'getRemoteConfigPayload'
  | 'reloadFeatureFlags'
  | 'waitForLocalEvaluationReady'

/** One import per process, shared by every client; once it has arrived, clients build their service synchronously. */
const serviceCode = lazyModule<FlagServiceModule>(() => import('./feature-flags-client.js'))

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
    const loaded = serviceCode.loaded()
    if (this.#loading === undefined && loaded !== undefined) this.#loading = Promise.resolve(this.#create(loaded))
    this.#loading ??= serviceCode.load().then(
      (module) => this.#service ?? this.#create(module),
      (error: unknown) => {
        this.#host.reportError(new Error(`the feature flag service could not be loaded: ${(error as Error)?.message ?? String(error)}`, { cause: error }))
        throw error
      },
    )
    return this.#loading
  }

  #create(module: FlagServiceModule): FeatureFlags {
    const service = module.createClientFeatureFlags(this.#host)
    if (this.#sentFlagCalls !== undefined) service.sentFlagCalls = this.#sentFlagCalls
    this.#sentFlagCalls = undefined
    this.#service = service
    if (this.#shutdownHooksRan()) void service.shutdown()
    return service
  }

  /**
   * The service, built now when the module is already there (another client loaded it); the
   * client's synchronous flag methods answer from it, or from what is known without it.
   */
  current(): FeatureFlags | undefined {
    if (this.#service === undefined && serviceCode.loaded() !== undefined) void this.#load()
    return this.#service
  }

  /** Runs `call` on the service: at once when loaded, else once it is (`fallback` if it cannot load). */
  #with<T>(fallback: T, call: (service: FeatureFlags) => Promise<T>): Promise<T> {
    const current = this.current()
    if (current !== undefined) return call(current)
    // Settled one step after the service's own answer (not through promise adoption, which
    // costs two), so what follows an awaited call runs as soon as it did with the service loaded.
    return new Promise<T>((resolve, reject) => {
      this.#load().then((service) => call(service).then(resolve, reject), () => resolve(fallback))
    })
  }

  /** Snapshots are read without the service (a snapshot exists only where it was loaded); fetched flags wait for it. */
  #enricherUntilLoaded(): FeatureFlagEnricher {
    return {
      propertiesFromSnapshot: snapshotProperties,
      fetchProperties: (distinctId, groups, options) => {
        // In call order: a capture after this one may already find the service's own enricher.
        const current = this.current()
        if (current !== undefined) return serviceCode.loaded()!.propertiesForCapture(current, distinctId, groups, options)
        return this.#load().then((service) => serviceCode.loaded()!.propertiesForCapture(service, distinctId, groups, options))
      },
    }
  }

  /** Calls the service's `method` at once when it is loaded, else once it is; `fallback` when it cannot load. */
  call<K extends AsyncFlagMethod>(method: K, fallback: Awaited<ReturnType<FeatureFlags[K]>>, ...args: Parameters<FeatureFlags[K]>): ReturnType<FeatureFlags[K]> {
    return this.#with(fallback, (s) => (s[method] as (...a: unknown[]) => Promise<unknown>).apply(s, args)) as ReturnType<FeatureFlags[K]>
  }

  evaluateFlags(distinctId: unknown, options?: AllFlagsOptions): Promise<FeatureFlagEvaluations> {
    const current = this.current()
    if (current !== undefined) return current.evaluateFlags(distinctId, options)
    return new Promise((resolve, reject) => {
      this.#load().then((service) => service.evaluateFlags(distinctId, options).then(resolve, reject), reject)
    })
  }

  get sentFlagCalls(): Record<string, Set<string>> {
    const current = this.current()
    return current !== undefined ? current.sentFlagCalls : { ...this.#sentFlagCalls }
  }

  set sentFlagCalls(value: Record<string, Set<string>>) {
    const current = this.current()
    if (current !== undefined) current.sentFlagCalls = value
    else this.#sentFlagCalls = { ...value }
  }

  /**
   * Copied now (a throwing getter is refused in the caller's call; later changes to the caller's
   * object do not count), applied once the service is there, before any flag call made after it.
   */
  overrideFeatureFlags(overrides: FlagOverrides): void {
    const current = this.current()
    if (current !== undefined) return current.overrideFeatureFlags(overrides)
    const copy = copyOverrides(overrides)
    this.#load().then(
      (service) => service.overrideFeatureFlags(copy),
      () => {},
    )
  }
}

/** The overrides as deep as the service reads them: the list, the record, and the object form's `flags` and `payloads`. */
function copyOverrides(overrides: FlagOverrides): FlagOverrides {
  if (Array.isArray(overrides)) return [...overrides]
  if (typeof overrides !== 'object' || overrides === null) return overrides
  const copy: Record<string, unknown> = { ...overrides }
  for (const part of ['flags', 'payloads']) {
    const value = copy[part]
    if (typeof value === 'object' && value !== null) copy[part] = Array.isArray(value) ? [...value] : { ...value }
  }
  return copy as FlagOverrides
}
