/**
 * posthog-node's exported type names, so code written for posthog-node compiles with the import
 * changed to `hoglet`. Most are aliases of hoglet's own types; the definition shapes (flags as
 * `/flags/definitions` returns them) are written out as PostHog sends them.
 */
import type { PostHog } from './client.js'
import type { PersonPropertiesMessage } from './person-events.js'
import type { AllFlagsOptions, FeatureFlagEvaluationRuntime, FlagCallOptions, FlagOverrides, FlagValue, JsonValue } from './flags/flag-api.js'
export type { FeatureFlagEvaluationRuntime, FeatureFlagOverrideOptions, SendFeatureFlagsOptions } from './flags/flag-api.js'
export type { FlagDefinitionCacheInput } from './flags/cache-provider.js'

/** posthog-node's name for the `setPersonProperties()` message. */
export type SetPersonPropertiesMessage = PersonPropertiesMessage

/** Flag options shared by the flag methods (posthog-node's name). */
export type BaseFlagEvaluationOptions = Omit<FlagCallOptions, 'sendFeatureFlagEvents'>
/** Options of `getFeatureFlagResult()` and the single-flag getters (posthog-node's name). */
export type FlagEvaluationOptions = FlagCallOptions
export type { AllFlagsOptions }

/** `overrideFeatureFlags()` argument (posthog-node's name). */
export type OverrideFeatureFlagsOptions = FlagOverrides

/** A flag's value (posthog-node's `FeatureFlagValue`). */
export type FeatureFlagValue = FlagValue
/** Any JSON value (posthog-node's `JsonType`). */
export type JsonType = JsonValue

export type FeatureFlagBucketingIdentifier = 'distinct_id' | 'device_id' | '' | null

export type FlagPropertyValue = string | number | (string | number)[] | boolean
export interface FlagProperty {
  key: string
  type?: string
  value: FlagPropertyValue
  operator?: string
  negation?: boolean
  dependency_chain?: string[]
}
export interface PropertyGroup {
  type: 'AND' | 'OR'
  values: PropertyGroup[] | FlagProperty[]
}
export interface FeatureFlagCondition {
  properties: FlagProperty[]
  rollout_percentage?: number
  variant?: string
  aggregation_group_type_index?: number | null
}

/** One flag as `/flags/definitions` returns it. */
export interface PostHogFeatureFlag {
  id: number
  name: string
  key: string
  bucketing_identifier?: FeatureFlagBucketingIdentifier
  filters?: {
    aggregation_group_type_index?: number
    groups?: FeatureFlagCondition[]
    multivariate?: { variants: { key: string; rollout_percentage: number }[] }
    payloads?: Record<string, string>
    holdout?: { id: number; exclusion_percentage: number } | null
    early_exit?: boolean
  }
  deleted: boolean
  active: boolean
  rollout_percentage: null | number
  ensure_experience_continuity: boolean
  experiment_set: number[]
  has_experiment?: boolean
  evaluation_contexts?: string[]
  evaluation_tags?: string[]
  evaluation_runtime?: FeatureFlagEvaluationRuntime | null
}

/**
 * The `$feature_flag_error` values hoglet and posthog-node record on exposure events. Marked pure:
 * bundlers cannot tell that `Object.freeze` has no side effects, and would keep it in every bundle.
 */
export const FeatureFlagError = /* @__PURE__ */ Object.freeze({
  ERRORS_WHILE_COMPUTING: 'errors_while_computing_flags',
  FLAG_MISSING: 'flag_missing',
  LOCAL_EVALUATION_INCONCLUSIVE: 'local_evaluation_inconclusive',
  QUOTA_LIMITED: 'quota_limited',
  TIMEOUT: 'timeout',
  CONNECTION_ERROR: 'connection_error',
  UNKNOWN_ERROR: 'unknown_error',
  apiError: (status: number): string => `api_error_${status}`,
} as const)
export type FeatureFlagErrorType = (typeof FeatureFlagError)[Exclude<keyof typeof FeatureFlagError, 'apiError'>] | string


/**
 * The client's public methods under posthog-node's interface name: type a dependency as
 * `IPostHog` and pass a hoglet client (or a mock of these members).
 */
export type IPostHog = Pick<
  PostHog,
  | 'capture'
  | 'captureImmediate'
  | 'captureException'
  | 'captureAi'
  | 'captureAiImmediate'
  | 'identify'
  | 'identifyImmediate'
  | 'setPersonProperties'
  | 'unsetPersonProperties'
  | 'alias'
  | 'aliasImmediate'
  | 'isFeatureEnabled'
  | 'getFeatureFlag'
  | 'getFeatureFlagPayload'
  | 'getAllFlags'
  | 'getAllFlagsAndPayloads'
  | 'getFeatureFlagResult'
  | 'evaluateFlags'
  | 'groupIdentify'
  | 'groupIdentifyImmediate'
  | 'reloadFeatureFlags'
  | 'overrideFeatureFlags'
  | 'withContext'
  | 'enterContext'
  | 'getContext'
  | 'shutdown'
  | 'waitForLocalEvaluationReady'
  | 'isLocalEvaluationReady'
>
