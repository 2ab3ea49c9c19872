/**
 * One record shape for a flag's outcome whichever side decided it, so the single-flag and
 * all-flags paths, the snapshot and the exposure events need not care where it came from.
 */
import type { LocalFlagResult } from '../engine/engine.js'
import type { FlagReason, JsonValue } from './flag-api.js'
import type { RemoteFlagRecord } from './remote.js'
import type { FlagRecord } from './snapshot.js'

export function remoteRecord(rec: RemoteFlagRecord): FlagRecord {
  return { key: rec.key, enabled: rec.enabled, variant: rec.variant, payload: rec.payload, locallyEvaluated: false, id: rec.id, version: rec.version, reason: rec.reason, hasExperiment: rec.hasExperiment }
}

export function localRecord(r: LocalFlagResult, hasExperiment: boolean | undefined): FlagRecord {
  const reason: FlagReason = r.reason
  return { key: r.key, enabled: r.enabled, variant: r.variant ?? undefined, payload: r.payload as JsonValue | undefined, locallyEvaluated: true, id: r.id, version: r.version, reason, hasExperiment }
}
