import { OpenFeatureEventEmitter, ProviderEvents, type EvaluationContext, type Hook, type JsonValue, type Provider, type ResolutionDetails, type TrackingEventDetails } from '@openfeature/server-sdk'
import type { FeatureFlagResult, FlagCallOptions } from '../../flags/flag-api.js'
import { subjectFromContext } from './context-mapping.js'
import { failure, notFound, resolve, type FlagKind } from './resolution.js'

export { subjectFromContext, type FlagSubject } from './context-mapping.js'

/** The part of the `PostHog` client the provider uses (structural, so this module never imports the client). */
export interface OpenFeatureClient {
  getFeatureFlagResult(key: string, distinctId?: string, options?: FlagCallOptions): Promise<FeatureFlagResult | undefined>
  waitForLocalEvaluationReady?(timeoutMs?: number): Promise<boolean>
  isLocalEvaluationReady?(): boolean
  on?(event: string, listener: (...args: any[]) => void): () => void
  // The widest message a typed client's capture accepts too (`PostHog<Flags, Events>` passes here).
  capture?(message: { event: string; distinctId?: string | number; properties?: object; groups?: Record<string, string | number> }): unknown
  shutdown?(timeoutMs?: number): Promise<unknown>
}

export interface HogletProviderOptions {
  /** Wait for local-evaluation definitions before PROVIDER_READY; `false` for a client that evaluates remotely only. @default true */
  waitForLocalEvaluation?: boolean
  /** How long `initialize` waits for definitions before the provider reports PROVIDER_ERROR. @default 30000 */
  readyTimeoutMs?: number
  /** Send `$feature_flag_called` for each evaluation. @default the client's `sendFeatureFlagEvent` option */
  sendFeatureFlagEvents?: boolean
  /** Never ask the server (`/flags`): flags local evaluation cannot decide resolve as FLAG_NOT_FOUND. @default false */
  onlyEvaluateLocally?: boolean
  /** Provider hooks, run by OpenFeature around every evaluation through this provider. @default [] */
  hooks?: Hook[]
  /** Shut the client down when OpenFeature closes the provider. @default false (the application owns the client) */
  shutdownClientOnClose?: boolean
}

/**
 * An OpenFeature server provider backed by a hoglet client: `OpenFeature.setProviderAndWait(new
 * HogletProvider(posthog))`. Emits PROVIDER_READY once local evaluation is ready and
 * PROVIDER_CONFIGURATION_CHANGED whenever the client loads new flag definitions.
 */
export class HogletProvider implements Provider {
  readonly metadata = { name: 'hoglet' } as const
  readonly runsOn = 'server' as const
  readonly events = new OpenFeatureEventEmitter()
  readonly hooks: Hook[]
  readonly #client: OpenFeatureClient
  readonly #options: HogletProviderOptions
  #unsubscribe: (() => void) | undefined
  #loads = 0

  constructor(client: OpenFeatureClient, options: HogletProviderOptions = {}) {
    if (typeof client?.getFeatureFlagResult !== 'function') throw new TypeError('HogletProvider: `client` must be a hoglet PostHog client')
    if (options.readyTimeoutMs !== undefined && !(Number.isFinite(options.readyTimeoutMs) && options.readyTimeoutMs >= 0)) {
      throw new TypeError('HogletProvider: `readyTimeoutMs` must be a non-negative number')
    }
    this.#client = client
    this.#options = options
    this.hooks = [...(options.hooks ?? [])]
  }

  async initialize(_context?: EvaluationContext): Promise<void> {
    // Definitions loaded before the provider was set count as the first load.
    if (!this.#unsubscribe && this.#client.isLocalEvaluationReady?.()) this.#loads = 1
    this.#unsubscribe ??= this.#client.on?.('localEvaluationFlagsLoaded', (flagCount: unknown) => {
      // The first load is what makes the provider ready; every later one is a configuration change.
      if (++this.#loads > 1) this.events.emit(ProviderEvents.ConfigurationChanged, { message: 'flag definitions reloaded', metadata: { flagCount: Number(flagCount) || 0 } })
    })
    if (this.#options.waitForLocalEvaluation === false || !this.#client.waitForLocalEvaluationReady) return
    const ready = await this.#client.waitForLocalEvaluationReady(this.#options.readyTimeoutMs ?? 30_000)
    if (!ready) throw new Error('hoglet: flag definitions for local evaluation did not load (check the secret key); flags are evaluated remotely meanwhile')
  }

  async onClose(): Promise<void> {
    this.#unsubscribe?.()
    this.#unsubscribe = undefined
    if (this.#options.shutdownClientOnClose) await this.#client.shutdown?.()
  }

  resolveBooleanEvaluation(flagKey: string, defaultValue: boolean, context: EvaluationContext): Promise<ResolutionDetails<boolean>> {
    return this.#evaluate('boolean', flagKey, defaultValue, context)
  }

  resolveStringEvaluation(flagKey: string, defaultValue: string, context: EvaluationContext): Promise<ResolutionDetails<string>> {
    return this.#evaluate('string', flagKey, defaultValue, context)
  }

  resolveNumberEvaluation(flagKey: string, defaultValue: number, context: EvaluationContext): Promise<ResolutionDetails<number>> {
    return this.#evaluate('number', flagKey, defaultValue, context)
  }

  resolveObjectEvaluation<T extends JsonValue>(flagKey: string, defaultValue: T, context: EvaluationContext): Promise<ResolutionDetails<T>> {
    return this.#evaluate('object', flagKey, defaultValue, context)
  }

  /** OpenFeature tracking: a captured event named `trackingEventName` for the context's distinct id. */
  track(trackingEventName: string, context: EvaluationContext, details: TrackingEventDetails): void {
    const subject = subjectFromContext(context)
    if (!subject.distinctId || !this.#client.capture) return
    const properties: Record<string, unknown> = { ...details }
    if (details.value !== undefined) properties.$value = details.value
    this.#client.capture({ event: trackingEventName, distinctId: subject.distinctId, properties, ...(subject.groups ? { groups: subject.groups } : {}) })
  }

  async #evaluate<T extends boolean | string | number | JsonValue>(kind: FlagKind, key: string, defaultValue: T, context: EvaluationContext): Promise<ResolutionDetails<T>> {
    const subject = subjectFromContext(context)
    if (!subject.distinctId) return failure(defaultValue, 'TARGETING_KEY_MISSING', 'the evaluation context has no targetingKey (the distinct id)')
    const options: FlagCallOptions = {}
    if (subject.groups) options.groups = subject.groups
    if (subject.personProperties) options.personProperties = subject.personProperties
    if (subject.groupProperties) options.groupProperties = subject.groupProperties
    if (subject.deviceId) options.deviceId = subject.deviceId
    if (this.#options.sendFeatureFlagEvents !== undefined) options.sendFeatureFlagEvents = this.#options.sendFeatureFlagEvents
    if (this.#options.onlyEvaluateLocally) options.onlyEvaluateLocally = true
    let result: FeatureFlagResult | undefined
    try {
      result = await this.#client.getFeatureFlagResult(key, subject.distinctId, options)
    } catch (error) {
      return failure(defaultValue, 'GENERAL', error instanceof Error ? error.message : String(error))
    }
    if (!result) return notFound(key, defaultValue)
    return resolve(kind, key, result, defaultValue)
  }
}
