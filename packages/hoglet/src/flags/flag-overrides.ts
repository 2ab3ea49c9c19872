/**
 * Test overrides (`overrideFeatureFlags`): they replace evaluation entirely for the keys they
 * name, are never sent to the server and fire no exposure events.
 */
import type { FeatureFlagResult, FlagValue, NormalizedOverrides } from './flag-api.js'
import type { FlagRecord } from './snapshot.js'

export function overrideResult(overrides: NormalizedOverrides, key: string, value: FlagValue): FeatureFlagResult {
  return {
    key,
    enabled: value !== false,
    variant: typeof value === 'string' ? value : undefined,
    payload: overrides.payloads?.get(key),
    reason: { code: 'override', conditionIndex: null, description: 'Overridden locally' },
  }
}

/** Puts the overridden flags (only those in `wanted`, when given) over whatever evaluation produced. */
export function applyOverrides(overrides: NormalizedOverrides, records: Map<string, FlagRecord>, wanted: string[] | undefined): void {
  if (!overrides.flags) return
  for (const [key, value] of overrides.flags) {
    if (wanted && !wanted.includes(key)) continue
    const r = overrideResult(overrides, key, value)
    records.set(key, { key, enabled: r.enabled, variant: r.variant, payload: r.payload, locallyEvaluated: true, id: undefined, version: undefined, reason: r.reason, hasExperiment: undefined })
  }
}
