import type { FlagMetadata, JsonValue, ResolutionDetails, ResolutionReason } from '@openfeature/server-sdk'
import type { FeatureFlagResult } from '../../flags/flag-api.js'

/** The four OpenFeature flag types and how each reads a hoglet flag result. */
export type FlagKind = 'boolean' | 'string' | 'number' | 'object'

// OpenFeature's error codes and reasons as strings, so this module needs nothing at run time.
const FLAG_NOT_FOUND = 'FLAG_NOT_FOUND'
const TYPE_MISMATCH = 'TYPE_MISMATCH'
const PARSE_ERROR = 'PARSE_ERROR'

/**
 * PostHog's reason codes as OpenFeature reasons. A percentage split the subject fell in or out of
 * is SPLIT; an unknown code is UNKNOWN.
 */
const REASONS: Record<string, ResolutionReason> = {
  condition_match: 'TARGETING_MATCH',
  super_condition_value: 'TARGETING_MATCH',
  no_condition_match: 'DEFAULT',
  no_group_type: 'DEFAULT',
  missing_dependency: 'DEFAULT',
  out_of_rollout_bound: 'SPLIT',
  holdout_condition_value: 'SPLIT',
  flag_disabled: 'DISABLED',
}

/**
 * The reason for a result. Remote answers carry PostHog's code; local ones (as in posthog-node)
 * only `flag_disabled`, so a locally evaluated flag that is on matched a condition and one that is
 * off fell to the default. A result with no reason at all is an override: STATIC.
 */
export function reasonOf(result: FeatureFlagResult): ResolutionReason {
  if (result.reasonCode) return REASONS[result.reasonCode] ?? 'UNKNOWN'
  if (result.reason === undefined) return 'STATIC'
  return result.enabled ? 'TARGETING_MATCH' : 'DEFAULT'
}

function metadataOf(result: FeatureFlagResult): FlagMetadata {
  const metadata: Record<string, string | number | boolean> = { enabled: result.enabled }
  if (result.reasonCode) metadata.reasonCode = result.reasonCode
  if (result.reason) metadata.reasonDescription = result.reason
  return metadata
}

export function notFound<T>(key: string, defaultValue: T): ResolutionDetails<T> {
  return { value: defaultValue, reason: 'ERROR', errorCode: FLAG_NOT_FOUND as never, errorMessage: `flag "${key}" is unknown (or could not be evaluated)` }
}

export function failure<T>(defaultValue: T, errorCode: string, message: string): ResolutionDetails<T> {
  return { value: defaultValue, reason: 'ERROR', errorCode: errorCode as never, errorMessage: message }
}

/**
 * Reads one hoglet result as the requested type:
 * - boolean: whether the flag is on (a variant counts as on);
 * - string: the variant key; a boolean flag that is on is a TYPE_MISMATCH;
 * - number and object: the flag's payload for its value (a JSON string payload is parsed;
 *   unparseable is a PARSE_ERROR, the wrong JSON type a TYPE_MISMATCH).
 * A flag that is off, or on without a payload, resolves to the default value with its reason.
 */
export function resolve<T extends boolean | string | number | JsonValue>(kind: FlagKind, key: string, result: FeatureFlagResult, defaultValue: T): ResolutionDetails<T> {
  const base = { reason: reasonOf(result), variant: result.variant ?? String(result.enabled), flagMetadata: metadataOf(result) }
  if (kind === 'boolean') return { ...base, value: result.enabled as T }
  if (!result.enabled) return { ...base, value: defaultValue }
  if (kind === 'string') {
    if (result.variant === undefined) return { ...failure(defaultValue, TYPE_MISMATCH, `flag "${key}" is a boolean flag, not a multivariate one`), flagMetadata: base.flagMetadata }
    return { ...base, value: result.variant as T }
  }
  if (result.payload === undefined || result.payload === null) return { ...base, reason: 'DEFAULT', value: defaultValue }
  let payload: unknown = result.payload
  if (kind === 'object' && typeof payload === 'string') {
    try {
      payload = JSON.parse(payload)
    } catch {
      return { ...failure(defaultValue, PARSE_ERROR, `flag "${key}" has a payload that is not JSON`), flagMetadata: base.flagMetadata }
    }
  }
  if (kind === 'number') {
    if (typeof payload === 'string' && payload.trim() !== '' && Number.isFinite(Number(payload))) payload = Number(payload)
    if (typeof payload !== 'number') return { ...failure(defaultValue, TYPE_MISMATCH, `flag "${key}" has a ${typeof payload} payload, not a number`), flagMetadata: base.flagMetadata }
    return { ...base, value: payload as T }
  }
  if (typeof payload !== 'object' || payload === null) {
    return { ...failure(defaultValue, TYPE_MISMATCH, `flag "${key}" has a ${typeof payload} payload, not a JSON object or array`), flagMetadata: base.flagMetadata }
  }
  return { ...base, value: payload as T }
}
