// What every entry point exports besides its own runtime-bound `PostHog` class.
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
export type { FetchOptions, FetchResponse, WireBeforeSendFn, Persistence, BeforeSendMessage } from './options.js'
export type { UnsetPersonPropertiesMessage, ShutdownOutcome } from './client.js'
export type { FlushPayload } from './pipeline/reporter.js'
export { FeatureFlagError } from './posthog-node-types.js'
export type {
  BaseFlagEvaluationOptions,
  FeatureFlagBucketingIdentifier,
  FeatureFlagCondition,
  FeatureFlagErrorType,
  FeatureFlagEvaluationRuntime,
  FeatureFlagOverrideOptions,
  FeatureFlagValue,
  FlagDefinitionCacheInput,
  FlagEvaluationOptions,
  FlagProperty,
  FlagPropertyValue,
  IPostHog,
  JsonType,
  OverrideFeatureFlagsOptions,
  PostHogFeatureFlag,
  PropertyGroup,
  SendFeatureFlagsOptions,
  SetPersonPropertiesMessage,
} from './posthog-node-types.js'
