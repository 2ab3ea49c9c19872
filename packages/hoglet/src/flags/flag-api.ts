/**
 * Public types of the feature-flag API (shapes follow posthog-node 5.x so switching is a
 * one-line import change) and the small dependency interfaces the flag modules share.
 */

/** A flag's value: `true`/`false` for boolean flags, the variant key for multivariate ones. */
export type FlagValue = boolean | string

import type { JsonValue } from '../engine/engine-types.js'
export type { JsonValue }

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

/** Options of `getAllFlags`, `getAllFlagsAndPayloads` and `evaluateFlags`. */
export interface AllFlagsOptions extends FlagCallOptions {
  /** Evaluate only these flag keys. @default all flags */
  flagKeys?: string[]
}

/** Why a flag has its value, as reported by the server or the local engine. */
export interface FlagReason {
  code: string
  conditionIndex: number | null
  description: string | undefined
}

/** Everything known about one flag for one subject, returned by `getFeatureFlagResult`. */
export interface FeatureFlagResult {
  key: string
  enabled: boolean
  variant: string | undefined
  /** JSON-decoded payload, or `undefined` when the flag has none for this value. */
  payload: JsonValue | undefined
  reason: FlagReason | undefined
}

/** `getAllFlagsAndPayloads` result: values and decoded payloads by flag key. */
export interface FlagsAndPayloads {
  featureFlags: Record<string, FlagValue>
  featureFlagPayloads: Record<string, JsonValue>
}

/** Test overrides accepted by `overrideFeatureFlags`. */
export type FlagOverrides =
  | false
  | string[]
  | Record<string, FlagValue>
  | { flags?: false | string[] | Record<string, FlagValue>; payloads?: false | Record<string, JsonValue> }

/** The log sink the flag modules write to (a subset of the client's logger). */
export interface FlagsLogger {
  debug(message: string, ...extra: unknown[]): void
  info(message: string, ...extra: unknown[]): void
  warn(message: string, ...extra: unknown[]): void
  error(message: string, ...extra: unknown[]): void
}

/** The `fetch` the flag modules use (the client's `fetch` option or the global one). */
export type { FetchLike as FetchFn } from '../fetch-types.js'

/** Milliseconds to wait before retry `attempt` (0-based): 300 ms doubling, like the reference SDKs. */
export function flagRetryDelayMs(attempt: number, baseMs: number): number {
  return baseMs * 2 ** attempt
}

/**
 * A short pause between retries of a call the user is awaiting. Deliberately NOT unref'd:
 * a script doing `await getFeatureFlag()` at top level would otherwise exit mid-retry.
 */
export function retryPause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * Group properties as sent and evaluated: one entry per group the subject is in, with
 * `$group_key` filled in (the caller may override it); properties of other group types dropped.
 */
export function groupPropertiesFor(
  groups: Record<string, string | number> | undefined,
  groupProperties: Record<string, Record<string, unknown>> | undefined,
): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {}
  if (!groups) return out
  for (const type of Object.keys(groups)) {
    out[type] = { $group_key: groups[type], ...groupProperties?.[type] }
  }
  return out
}

/** Normalised test overrides: values and payloads by key (undefined = no override of that kind). */
export interface NormalizedOverrides {
  flags: Map<string, FlagValue> | undefined
  payloads: Map<string, JsonValue> | undefined
}

function flagOverrideMap(o: false | string[] | Record<string, FlagValue> | undefined): Map<string, FlagValue> | undefined {
  if (o === undefined || o === false) return undefined
  if (Array.isArray(o)) return new Map(o.filter((k): k is string => typeof k === 'string').map((k) => [k, true]))
  if (o === null || typeof o !== 'object') return undefined
  return new Map(Object.entries(o))
}

/** Interpret every accepted `overrideFeatureFlags` shape; `false` clears everything. */
export function normalizeOverrides(o: FlagOverrides): NormalizedOverrides {
  if (o === false) return { flags: undefined, payloads: undefined }
  if (Array.isArray(o)) return { flags: flagOverrideMap(o), payloads: undefined }
  const shaped = o as { flags?: unknown; payloads?: unknown }
  const keys = Object.keys(o)
  if (keys.length > 0 && keys.every((k) => k === 'flags' || k === 'payloads') && (typeof shaped.flags === 'object' || shaped.flags === false || typeof shaped.payloads === 'object')) {
    return {
      flags: flagOverrideMap(shaped.flags as false | string[] | Record<string, FlagValue> | undefined),
      payloads: shaped.payloads ? new Map(Object.entries(shaped.payloads as Record<string, JsonValue>)) : undefined,
    }
  }
  return { flags: flagOverrideMap(o as Record<string, FlagValue>), payloads: undefined }
}
