/**
 * Test overrides (`overrideFeatureFlags`), with posthog-node's semantics: a flag override
 * replaces evaluation for its key (no request, no exposure event); a payload override
 * replaces the payload of whatever value the flag has, overridden or evaluated.
 */
import type { FeatureFlagResult, FlagValue, JsonValue, NormalizedOverrides } from './flag-api.js'
import type { FlagRecord } from './snapshot.js'

/** The single-flag answer for an overridden key (`undefined` when the override itself is undefined). */
export function overrideResult(overrides: NormalizedOverrides, key: string, value: FlagValue | undefined): FeatureFlagResult | undefined {
  if (value === undefined) return undefined
  return { key, enabled: value !== false, variant: typeof value === 'string' ? value : undefined, payload: overrides.payloads?.get(key) }
}

/** Flag and payload overrides laid over `getAllFlags`/`getAllFlagsAndPayloads` answers (every override, as posthog-node). */
export function overlayValues(overrides: NormalizedOverrides, flags: Record<string, FlagValue>, payloads: Record<string, JsonValue> | undefined): void {
  if (overrides.flags) for (const [key, value] of overrides.flags) flags[key] = value as FlagValue
  if (payloads && overrides.payloads) for (const [key, payload] of overrides.payloads) payloads[key] = payload
}

/**
 * Overrides laid over an `evaluateFlags` snapshot: an overridden value keeps what evaluation
 * knew of the flag (payload, id, reason); an undefined override removes the flag; a payload
 * override changes only flags the snapshot has; keys outside `wanted` stay out.
 */
export function overlayRecords(overrides: NormalizedOverrides, records: Map<string, FlagRecord>, wanted: readonly string[] | undefined): void {
  if (overrides.flags) {
    for (const [key, value] of overrides.flags) {
      if (wanted && !wanted.includes(key)) continue
      if (value === undefined) {
        records.delete(key)
        continue
      }
      const existing = records.get(key)
      records.set(key, {
        key,
        enabled: value !== false,
        variant: typeof value === 'string' ? value : undefined,
        payload: existing?.payload,
        locallyEvaluated: existing?.locallyEvaluated ?? false,
        id: existing?.id,
        version: existing?.version,
        reason: existing?.reason,
        hasExperiment: existing?.hasExperiment,
      })
    }
  }
  if (overrides.payloads) {
    for (const [key, payload] of overrides.payloads) {
      const existing = records.get(key)
      if (existing) records.set(key, { ...existing, payload })
    }
  }
}
