import { PostHog as PostHogCore } from './client.js'
import type { PostHogOptions } from './options.js'
import { nodeRuntime } from './runtime/node.js'
import { nodeCrashHooks } from './runtime/node-process-hooks.js'

/**
 * The hoglet client for Node.js, Bun and Deno: gzip through node:zlib, SHA-1 through
 * node:crypto, per-request context through AsyncLocalStorage.
 *
 * ```ts
 * const posthog = new PostHog('phc_...', { host: 'https://eu.i.posthog.com' })
 * posthog.capture({ distinctId: 'user-1', event: 'order completed', properties: { total: 42 } })
 * await posthog.shutdown()
 * ```
 */
export class PostHog extends PostHogCore {
  constructor(apiKey: string, options?: PostHogOptions) {
    super(apiKey, options, nodeRuntime)
    // enableExceptionAutocapture: watch uncaught exceptions and unhandled rejections without changing how Node exits.
    this.attachCrashHooks(nodeCrashHooks)
  }
}

export { VERSION } from './version.js'
export type {
  AliasMessage,
  CaptureScope,
  ClientEvents,
  FeatureFlagEnricher,
  GroupIdentifyMessage,
  IdentifyMessage,
  PersonPropertiesMessage,
  ShutdownResult,
} from './client.js'
export type { EventMessage, WireEvent } from './event.js'
export type { BeforeSendFn, FetchLike, FlagDefinitionCacheProvider, PostHogOptions } from './options.js'
export type { Logger } from './logger.js'
export type { PipelineStats } from './pipeline/stats.js'
export type { Runtime } from './runtime/types.js'
export * from './errors/index.js'
export { uuidv7 } from './uuid.js'
export { FeatureFlagEvaluations } from './flags/snapshot.js'
export { InMemoryFlagDefinitionCache } from './flags/cache-provider.js'
export type { FlagDefinitionCacheData, InMemoryFlagDefinitionCacheOptions } from './flags/cache-provider.js'
export type { AllFlagsOptions, FeatureFlagResult, FlagCallOptions, FlagOverrides, FlagReason, FlagValue, FlagsAndPayloads, JsonValue } from './flags/flag-api.js'
