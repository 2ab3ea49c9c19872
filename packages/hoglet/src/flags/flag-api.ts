/**
 * Public types of the feature-flag API (shapes follow posthog-node 5.x so switching is a
 * one-line import change) and the small dependency interfaces the flag modules share.
 */

/** A flag's value: `true`/`false` for boolean flags, the variant key for multivariate ones. */
export type FlagValue = boolean | string

import type { JsonValue } from '../engine/engine-types.js'
import type { FlagDefinition } from '../engine/types.js'
export type { JsonValue }

/** What `capture({ sendFeatureFlags })` accepts besides `true`. */
export interface SendFeatureFlagsOptions {
  /** `true`: local only; `false`: ask the server. @default local when definitions are loaded */
  onlyEvaluateLocally?: boolean
  personProperties?: Record<string, unknown>
  groupProperties?: Record<string, Record<string, unknown>>
  flagKeys?: string[]
}

/** posthog-node's name for one flag definition as served for local evaluation. */
export interface PostHogFeatureFlag extends FlagDefinition {
  experiment_set?: number[]
  /** Evaluation context tags (newer name of `evaluation_tags`). */
  evaluation_contexts?: string[]
}

/** posthog-node's names for the two types above. */
export type FeatureFlagValue = FlagValue
export type JsonType = JsonValue

/** Per-call options shared by every flag method. */
export interface FlagCallOptions {
  /** Groups the subject belongs to, `{groupType: groupKey}`. @default {} */
  groups?: Record<string, string | number>
  /** Person properties to evaluate with (override or complete what PostHog stores). */
  personProperties?: Record<string, unknown>
  /** Group properties per group type; `$group_key` is filled in from `groups`. */
  groupProperties?: Record<string, Record<string, unknown>>
  /** Never ask the server: inconclusive local results give `undefined`. @default false (or `strictLocalEvaluation`) */
  onlyEvaluateLocally?: boolean
  /** Send a `$feature_flag_called` exposure event. @default the `sendFeatureFlagEvent` option (true) */
  sendFeatureFlagEvents?: boolean
  /** Per-call GeoIP switch sent to `/flags` as `geoip_disable`. @default the client's `disableGeoip` */
  disableGeoip?: boolean
  /** Device id for flags bucketed by device (`bucketing_identifier: "device_id"`). */
  deviceId?: string
}

/** posthog-node's names for the per-call options. */
export type BaseFlagEvaluationOptions = FlagCallOptions
export type FlagEvaluationOptions = FlagCallOptions

/** Options of `getAllFlags`, `getAllFlagsAndPayloads` and `evaluateFlags`. */
export interface AllFlagsOptions extends FlagCallOptions {
  /** Evaluate only these flag keys (an empty list evaluates nothing). @default all flags */
  flagKeys?: string[]
}

/** Why a flag has its value, as reported by the server or the local engine. */
export interface FlagReason {
  code: string
  conditionIndex: number | null
  description: string | undefined
}

/** Everything known about one flag for one subject, returned by `getFeatureFlagResult` (posthog-node's shape). */
export interface FeatureFlagResult {
  key: string
  /** `false` is a conclusive off result. */
  enabled: boolean
  variant: string | undefined
  /** JSON-decoded payload, or `undefined` when the flag has none for this value. */
  payload: JsonValue | undefined
  /** The explanation: the server's description (remote), `"Evaluated locally"` (local); none for overrides. */
  reason?: string
  /** Stable reason code: the server's (remote), the engine's (local: `condition_match`, `flag_disabled`, ...). */
  reasonCode?: string
}

/** `getAllFlagsAndPayloads` result: values and decoded payloads by flag key. */
export interface FlagsAndPayloads {
  featureFlags: Record<string, FlagValue>
  featureFlagPayloads: Record<string, JsonValue>
}

/** The object form of `overrideFeatureFlags`: each part given replaces (or, with `false`, clears) only itself. */
export interface FeatureFlagOverrideOptions {
  /** `false` clears the flag overrides; a list turns those flags on; a record sets values. */
  flags?: false | string[] | Record<string, FlagValue>
  /** `false` clears the payload overrides; a record sets payloads. */
  payloads?: false | Record<string, JsonValue>
}

/**
 * Test overrides accepted by `overrideFeatureFlags`: `false` clears flags and payloads; a list
 * or a record sets the flag overrides (payload overrides stay); the object form sets either.
 */
export type FlagOverrides = false | string[] | Record<string, FlagValue> | FeatureFlagOverrideOptions
/** posthog-node's name for `FlagOverrides`. */
export type OverrideFeatureFlagsOptions = FlagOverrides

/** Where a flag is meant to be evaluated (`evaluation_runtime` of its definition; absent = `all`). */
export type FeatureFlagEvaluationRuntime = 'all' | 'client' | 'server'

/** Why `evaluateFlags` could not resolve a flag locally (`FeatureFlagEvaluations.unresolvedFlags`). */
export type UnresolvedFlagReason = 'experience_continuity' | 'unsupported_definition' | 'unresolved_dependency' | 'missing_context'


/** The log sink the flag modules write to (a subset of the client's logger). */
export interface FlagsLogger {
  debug(message: string, ...extra: unknown[]): void
  info(message: string, ...extra: unknown[]): void
  warn(message: string, ...extra: unknown[]): void
  error(message: string, ...extra: unknown[]): void
}

/** The `fetch` the flag modules use (the client's `fetch` option or the global one). */
export type { FetchLike as FetchFn } from '../fetch-types.js'

/** Test overrides: values and payloads by key (undefined = no override of that kind). */
export interface NormalizedOverrides {
  flags: Map<string, FlagValue | undefined> | undefined
  payloads: Map<string, JsonValue> | undefined
}

function flagOverrideMap(o: string[] | Record<string, FlagValue>): Map<string, FlagValue | undefined> {
  // A list's non-string entries name no flag.
  if (Array.isArray(o)) return new Map(o.filter((k): k is string => typeof k === 'string').map((k) => [k, true]))
  return new Map(Object.entries(o))
}

function isOverrideOptions(o: object): o is FeatureFlagOverrideOptions {
  const shaped = o as { flags?: unknown; payloads?: unknown }
  if ('flags' in o && (shaped.flags === false || (typeof shaped.flags === 'object' && shaped.flags !== null))) return true
  return 'payloads' in o && (shaped.payloads === false || (typeof shaped.payloads === 'object' && shaped.payloads !== null))
}

/**
 * The overrides after `overrideFeatureFlags(o)`, as posthog-node reads each shape: `false`
 * clears both kinds; a list or a record replaces the flag overrides only; the object form
 * replaces (or with `false` clears) just the parts it names.
 */
export function nextOverrides(current: NormalizedOverrides, o: FlagOverrides): NormalizedOverrides {
  if (o === false) return { flags: undefined, payloads: undefined }
  if (Array.isArray(o)) return { flags: flagOverrideMap(o), payloads: current.payloads }
  if (o === null || typeof o !== 'object') return current
  if (isOverrideOptions(o)) {
    let { flags, payloads } = current
    if ('flags' in o && o.flags !== undefined) flags = o.flags === false ? undefined : flagOverrideMap(o.flags)
    if ('payloads' in o && o.payloads !== undefined) payloads = o.payloads === false ? undefined : new Map(Object.entries(o.payloads))
    return { flags, payloads }
  }
  return { flags: flagOverrideMap(o as Record<string, FlagValue>), payloads: current.payloads }
}
