/**
 * One record shape for a flag's outcome whichever side decided it, so the single-flag and
 * all-flags paths, the snapshot and the exposure events need not care where it came from.
 */
import type { LocalFlagResult } from '../engine/engine.js'
import type { FeatureFlagResult, FlagReason, JsonValue } from './flag-api.js'
import type { RemoteFlagRecord } from './remote.js'
import { reasonText, type FlagRecord } from './snapshot.js'

export function remoteRecord(rec: RemoteFlagRecord): FlagRecord {
  return { key: rec.key, enabled: rec.enabled, variant: rec.variant, payload: rec.payload, locallyEvaluated: false, id: rec.id, version: rec.version, reason: rec.reason, hasExperiment: rec.hasExperiment }
}

export function localRecord(r: LocalFlagResult, hasExperiment: boolean | undefined): FlagRecord {
  const reason: FlagReason = r.reason
  return { key: r.key, enabled: r.enabled, variant: r.variant ?? undefined, payload: r.payload as JsonValue | undefined, locallyEvaluated: true, id: r.id, version: r.version, reason, hasExperiment }
}

/**
 * The public result for a record, as posthog-node fills it: the server's reason code for
 * remote answers; locally only `flag_disabled` (for an inactive flag) is reported.
 */
export function resultOf(record: FlagRecord): FeatureFlagResult {
  const code = record.reason?.code || undefined
  const reasonCode = record.locallyEvaluated ? (code === 'flag_disabled' ? code : undefined) : code
  return { key: record.key, enabled: record.enabled, variant: record.variant, payload: record.payload, reason: reasonText(record), reasonCode }
}
