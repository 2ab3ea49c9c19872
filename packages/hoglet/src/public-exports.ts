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
export type { FlagDefinitionCacheData, FlagDefinitionCacheInput, InMemoryFlagDefinitionCacheOptions } from './flags/cache-provider.js'
export { FeatureFlagError } from './flags/flag-api.js'
export type {
  AllFlagsOptions,
  BaseFlagEvaluationOptions,
  FeatureFlagErrorType,
  FeatureFlagEvaluationRuntime,
  FeatureFlagOverrideOptions,
  FeatureFlagResult,
  FeatureFlagValue,
  FlagCallOptions,
  FlagEvaluationOptions,
  FlagOverrides,
  FlagReason,
  FlagValue,
  FlagsAndPayloads,
  JsonType,
  JsonValue,
  OverrideFeatureFlagsOptions,
  PostHogFeatureFlag,
  SendFeatureFlagsOptions,
  UnresolvedFlagReason,
} from './flags/flag-api.js'
export type {
  BucketingIdentifier as FeatureFlagBucketingIdentifier,
  FlagCondition as FeatureFlagCondition,
  PropertyFilter as FlagProperty,
  PropertyGroup,
} from './engine/types.js'

