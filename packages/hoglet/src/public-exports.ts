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
export { FeatureFlagEvaluations } from './flags/feature-flag-evaluations.js'
export { InMemoryFlagDefinitionCache } from './flags/cache-provider.js'
export type { FlagDefinitionCacheData, InMemoryFlagDefinitionCacheOptions } from './flags/cache-provider.js'
export type { AllFlagsOptions, FeatureFlagResult, FlagCallOptions, FlagOverrides, FlagReason, FlagValue, FlagsAndPayloads, JsonValue, UnresolvedFlagReason } from './flags/flag-api.js'
export type { FetchOptions, FetchResponse, WireBeforeSendFn, Persistence, BeforeSendMessage } from './options.js'
export type { UnsetPersonPropertiesMessage, ShutdownOutcome } from './client.js'
export type { FlushPayload } from './pipeline/reporter.js'
// Typed keys (`new PostHog<Flags, Events>()`; `hoglet typegen` writes the flag map).
export type {
  EventSchema,
  FlagKey,
  FlagPayloadOf,
  FlagSchema,
  FlagSpec,
  FlagValueOf,
  FlagVariantOf,
  ReservedProperties,
  TypedAllFlagsOptions,
  TypedEventMessage,
  TypedFeatureFlagResult,
  TypedFlagEvaluations,
  TypedFlagValues,
  TypedFlagsAndPayloads,
} from './typed-keys.js'
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

// posthog-node's integration exports on the main entry (the subpaths `hoglet/express`,
// `hoglet/sentry`, `hoglet/hono` hold the same and hoglet's own; all of it is structural and
// side-effect free, so bundlers drop what a program does not use).
export { setupExpressErrorHandler, setupExpressRequestContext } from './integrations/express/setup.js'
export { createEventProcessor, PostHogSentryIntegration, sentryIntegration } from './integrations/sentry/posthog-integration.js'
export type { SentryIntegrationOptions } from './integrations/sentry/posthog-integration.js'
export {
  HTTP_SERVER_REQUEST_COUNT_METRIC,
  HTTP_SERVER_REQUEST_DURATION_METRIC,
  instrumentRequest,
  posthogHonoMiddleware,
} from './integrations/hono/instrument-request.js'
export type { InstrumentRequestOptions } from './integrations/hono/instrument-request.js'
export {
  cookieStateToProperties,
  cookieStoreFromHeader,
  getPostHogCookieName,
  parsePostHogCookie,
  readPostHogCookie,
  serializePostHogCookie,
} from './cookies.js'
export type { CookieStore, PostHogCookieState } from './cookies.js'
