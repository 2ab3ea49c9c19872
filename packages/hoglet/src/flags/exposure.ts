/**
 * `$feature_flag_called` exposure events: the properties experiments are built on, and the
 * per-process deduplication (one event per distinct id, flag, value and group context) in a
 * bounded LRU so a long-running service neither floods PostHog nor grows without limit.
 */
import type { FlagValue, FlagsLogger, JsonValue } from './flag-api.js'

/** Everything one exposure event says about a flag evaluation. */
export interface Exposure {
  distinctId: string
  key: string
  /** `undefined` when no value could be determined (sent as `null`). */
  response: FlagValue | undefined
  groups: Record<string, string | number> | undefined
  disableGeoip: boolean | undefined
  locallyEvaluated: boolean
  payload?: JsonValue | undefined
  requestId?: string | undefined
  evaluatedAt?: number | undefined
  /** Reason description (`"Matched condition set 1"`, `"Evaluated locally"`). */
  reason?: string | undefined
  id?: number | undefined
  version?: number | undefined
  hasExperiment?: boolean | undefined
  /** `$feature_flag_error` codes; joined with commas. */
  errors?: readonly string[]
  /** When local definitions were loaded (epoch ms), for locally evaluated values. */
  definitionsLoadedAt?: number | undefined
}

/** The event the client captures for an exposure. */
export interface ExposureEvent {
  distinctId: string
  event: '$feature_flag_called'
  properties: Record<string, unknown>
  groups: Record<string, string | number> | undefined
  disableGeoip: boolean | undefined
}

/**
 * Build the `$feature_flag_called` properties, field for field as posthog-node sends them:
 * a field without a value is left out (no `null`s), the response included.
 */
export function exposureProperties(e: Exposure): Record<string, unknown> {
  const props: Record<string, unknown> = { $feature_flag: e.key }
  if (e.response !== undefined) props.$feature_flag_response = e.response
  if (e.id !== undefined) props.$feature_flag_id = e.id
  if (e.version !== undefined) props.$feature_flag_version = e.version
  if (e.reason !== undefined) props.$feature_flag_reason = e.reason
  props.locally_evaluated = e.locallyEvaluated
  if (e.response !== undefined) props[`$feature/${e.key}`] = e.response
  if (e.requestId !== undefined) props.$feature_flag_request_id = e.requestId
  if (e.evaluatedAt !== undefined) props.$feature_flag_evaluated_at = e.evaluatedAt
  if (typeof e.hasExperiment === 'boolean') props.$feature_flag_has_experiment = e.hasExperiment
  if (e.definitionsLoadedAt !== undefined) props.$feature_flag_definitions_loaded_at = e.definitionsLoadedAt
  if (e.errors && e.errors.length > 0) props.$feature_flag_error = e.errors.join(',')
  return props
}

/** The properties a slim `$feature_flag_called` event keeps (PostHog's list, as posthog-node applies it). */
const MINIMAL_EXPOSURE_KEYS: readonly string[] = [
  '$feature_flag', '$feature_flag_response', '$feature_flag_has_experiment', '$feature_flag_id', '$feature_flag_version',
  '$feature_flag_reason', '$feature_flag_request_id', '$feature_flag_evaluated_at', '$feature_flag_error', 'locally_evaluated',
  '$groups', '$process_person_profile', '$geoip_disable', '$current_url', '$pathname', '$referring_domain',
  'utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term', 'gad_source', 'mc_cid', 'gclid', 'gclsrc', 'dclid',
  'gbraid', 'wbraid', 'fbclid', 'msclkid', 'twclid', 'li_fat_id', 'igshid', 'ttclid', 'rdt_cid', 'epik', 'qclid', 'sccid',
  'oppref', 'bfcid', 'irclid', '_kx',
  '$session_id', '$window_id', '$lib', '$lib_version', '$device_id', '$is_server',
]

/**
 * With the project's `minimalFlagCalledEvents` gate on, an exposure of a flag that no
 * experiment uses (`$feature_flag_has_experiment: false`) keeps only the listed properties
 * (super and context properties included in what is filtered). Undefined: send as merged.
 */
export function minimalExposureProperties(gateOn: boolean, merged: Readonly<Record<string, unknown>>): Record<string, unknown> | undefined {
  if (!gateOn || merged.$feature_flag_has_experiment !== false) return undefined
  const slim: Record<string, unknown> = {}
  for (const key of MINIMAL_EXPOSURE_KEYS) if (merged[key] !== undefined) slim[key] = merged[key]
  return slim
}

/**
 * Remembers which (flag, value, groups) each distinct id has already been exposed to, keyed as
 * posthog-node keys them (`<flag>_<value>` plus `_<sorted groups JSON>` with groups), so its
 * `distinctIdHasSentFlagCalls` reads the same. Bounded to `maxDistinctIds`; when full the least
 * recently seen distinct id is forgotten (one id, not the whole map, so there is no burst).
 */
export class ExposureDeduper {
  private seen = new Map<string, Set<string>>()

  constructor(private readonly maxDistinctIds: number) {}

  /** True the first time this combination is seen (and records it). */
  firstTime(distinctId: string, key: string, response: FlagValue | undefined, groups: Record<string, string | number> | undefined): boolean {
    const entry = `${key}_${String(response)}${groupsSuffix(groups)}`
    let set = this.seen.get(distinctId)
    if (set) {
      // Move to the most recently used end.
      this.seen.delete(distinctId)
      this.seen.set(distinctId, set)
      if (set.has(entry)) return false
    } else {
      set = new Set()
      this.seen.set(distinctId, set)
      if (this.seen.size > this.maxDistinctIds) {
        const oldest = this.seen.keys().next().value as string
        this.seen.delete(oldest)
      }
    }
    set.add(entry)
    return true
  }

  get size(): number {
    return this.seen.size
  }

  /** What was sent, by distinct id (posthog-node's `distinctIdHasSentFlagCalls`). */
  toRecord(): Record<string, Set<string>> {
    return Object.fromEntries(this.seen)
  }

  /** Replace the memory (posthog-node's setter; tests reset it with `{}`). */
  replace(record: Record<string, Set<string>> | undefined): void {
    this.seen = new Map(Object.entries(record ?? {}))
  }

  clear(): void {
    this.seen.clear()
  }
}

function groupsSuffix(groups: Record<string, string | number> | undefined): string {
  if (!groups) return ''
  const entries = Object.entries(groups)
  if (entries.length === 0) return ''
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return `_${JSON.stringify(entries)}`
}

/** Sends deduplicated exposure events through the client's capture. */
export class ExposureReporter {
  readonly deduper: ExposureDeduper

  constructor(
    private readonly capture: (event: ExposureEvent) => void,
    maxDistinctIds: number,
    private readonly logger: FlagsLogger,
  ) {
    this.deduper = new ExposureDeduper(maxDistinctIds)
  }

  /** Capture the exposure unless this distinct id already saw this value. Never throws. */
  report(e: Exposure): void {
    if (this.isNew(e.distinctId, e.key, e.response, e.groups)) this.send(e)
  }

  /** True (and remembered) the first time; lets hot paths build the exposure only when it is new. */
  isNew(distinctId: string, key: string, response: FlagValue | undefined, groups: Record<string, string | number> | undefined): boolean {
    return this.deduper.firstTime(distinctId, key, response, groups)
  }

  /** Capture an exposure already known to be new. Never throws. */
  send(e: Exposure): void {
    try {
      this.capture({
        distinctId: e.distinctId,
        event: '$feature_flag_called',
        properties: exposureProperties(e),
        groups: e.groups,
        disableGeoip: e.disableGeoip,
      })
    } catch (err) {
      this.logger.error(`failed to capture $feature_flag_called for ${e.key}`, err)
    }
  }
}
