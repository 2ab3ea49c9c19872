import { VERSION } from './version.js'
import type { SendFeatureFlagsOptions } from './flags/flag-api.js'

/** An event exactly as it goes on the wire inside a `/batch/` body. */
export interface WireEvent {
  event: string
  distinct_id: string
  properties: Record<string, unknown>
  /** UTC ISO-8601, e.g. `2026-01-02T03:04:05.678Z`. */
  timestamp: string
  uuid: string
}

/** What `capture()` takes. */
export interface EventMessage {
  /** Who did it. Falls back to the context's distinct id; inside a context without one the event is personless. */
  distinctId?: string | number
  /** The event name, e.g. `order completed` or `$pageview`. */
  event: string
  properties?: Record<string | number, any>
  /** Group analytics: group type → group key; sent as `$groups`. */
  groups?: Record<string, string | number>
  /** When it happened; defaults to now. A `Date`, an ISO string or epoch milliseconds. */
  timestamp?: Date | string | number
  /** Your own uuid for de-duplication; a UUID v7 is generated otherwise. */
  uuid?: string
  /** Overrides the client's `disableGeoip` for this event. */
  disableGeoip?: boolean
  /** A flag evaluation snapshot: adds `$feature/<key>` and `$active_feature_flags` with no request. */
  flags?: unknown
  /** Evaluate flags for this person (a request unless local) and attach them. Prefer `flags`. */
  sendFeatureFlags?: boolean | SendFeatureFlagsOptions
}

/** Properties hoglet stamps on every event; fixed at build time. */
export const LIB_PROPERTIES = Object.freeze({ $lib: 'hoglet', $lib_version: VERSION, $is_server: true })
/** The stamped properties with `isServer: false`: no `$is_server` at all (as posthog-node). */
export const CLIENT_LIB_PROPERTIES = Object.freeze({ $lib: 'hoglet', $lib_version: VERSION })

export function libProperties(isServer: boolean): Readonly<Record<string, unknown>> {
  return isServer ? LIB_PROPERTIES : CLIENT_LIB_PROPERTIES
}

/** Cap of one serialised event on `/batch/` (PostHog's Kafka message limit, with margin). */
export const MAX_EVENT_BYTES = 900 * 1024
/** Cap of one serialised event on the AI lane. */
export const MAX_AI_EVENT_BYTES = 8 * 1024 * 1024
/** A request body is closed once it would pass this size. */
export const MAX_REQUEST_BYTES = 5 * 1024 * 1024

/** The largest epoch milliseconds a `Date` represents. */
const MAX_DATE_MS = 8.64e15

/** Epoch milliseconds of a caller's timestamp, or NaN when it is not a valid time. */
export function toEpochMs(timestamp: Date | string | number | undefined, now: number): number {
  if (timestamp === undefined) return now
  // Beyond ±8.64e15 ms a Date cannot represent the time (toISOString would throw).
  if (typeof timestamp === 'number') return Number.isFinite(timestamp) && Math.abs(timestamp) <= MAX_DATE_MS ? timestamp : NaN
  if (timestamp instanceof Date) return timestamp.getTime()
  if (typeof timestamp === 'string') return Date.parse(timestamp)
  return NaN
}

/** Number of bytes `text` takes as UTF-8, without encoding it. */
export function utf8Length(text: string): number {
  let bytes = text.length
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code < 0x80) continue
    if (code < 0x800) bytes += 1
    else if (code >= 0xd800 && code <= 0xdbff) i++ // surrogate pair: 4 bytes for 2 units
    else bytes += 2
  }
  return bytes
}

/** Assigns own enumerable properties of `source` onto `target` (faster than spread for small objects in V8). */
export function assignInto(target: Record<string, unknown>, source: Readonly<Record<string, unknown>> | undefined): void {
  if (source === undefined) return
  for (const key in source) {
    if (Object.prototype.hasOwnProperty.call(source, key)) target[key] = source[key]
  }
}

/** Everything that goes into an event's properties besides hoglet's own `$lib` fields. */
export interface MergeParams {
  properties: Readonly<Record<string, unknown>> | undefined
  superProperties: Readonly<Record<string, unknown>> | undefined
  scope: { readonly sessionId?: string; readonly properties?: Readonly<Record<string, unknown>> } | undefined
  /** SDK-computed properties (feature flags) that the event's own properties may override. */
  computed?: Readonly<Record<string, unknown>> | undefined
  groups?: Record<string, string | number> | undefined
  personless?: boolean
}

/** Keys hoglet stamps itself; a caller's values for them never reach the wire. */
const RESERVED_KEYS = ['$lib', '$lib_version', '$is_server', '$geoip_disable'] as const

/** True when `properties` sets a key hoglet stamps itself (rare: forces the merging path). */
export function hasReservedKey(properties: Readonly<Record<string, unknown>>): boolean {
  return '$lib' in properties || '$lib_version' in properties || '$is_server' in properties || '$geoip_disable' in properties
}

/**
 * Merged properties, lowest precedence first: super properties, context properties (and the
 * context's `$session_id`), computed flag properties, the event's own properties; then
 * `$groups` and `$process_person_profile`. Reserved `$lib` keys are removed.
 */
export function mergeProperties(p: MergeParams): Record<string, unknown> {
  const properties: Record<string, unknown> = {}
  assignInto(properties, p.superProperties)
  if (p.scope !== undefined) {
    assignInto(properties, p.scope.properties)
    if (p.scope.sessionId !== undefined) properties.$session_id = p.scope.sessionId
  }
  assignInto(properties, p.computed)
  assignInto(properties, p.properties)
  if (p.groups !== undefined) properties.$groups = p.groups
  if (p.personless) properties.$process_person_profile = false
  for (const key of RESERVED_KEYS) delete properties[key]
  return properties
}

/** A complete wire event (used where before_send or listeners need the whole event). */
export function buildWireEvent(
  p: MergeParams & { event: string; distinctId: string; uuid: string; timeMs: number; disableGeoip: boolean; isServer: boolean },
): WireEvent {
  const properties = mergeProperties(p)
  assignInto(properties, libProperties(p.isServer))
  if (p.disableGeoip) properties.$geoip_disable = true
  return {
    event: p.event,
    distinct_id: p.distinctId,
    properties,
    timestamp: new Date(p.timeMs).toISOString(),
    uuid: p.uuid,
  }
}

/** `identify()` properties: `$set`, `$set_once` (always, `{}` when none) and `$anon_distinct_id` as given; any other key goes into `$set`. */
export function identifyProperties(properties: Record<string, unknown> | undefined): Record<string, unknown> {
  const result: Record<string, unknown> = {}
  const set: Record<string, unknown> = {}
  if (properties) {
    for (const key in properties) {
      if (!Object.prototype.hasOwnProperty.call(properties, key)) continue
      const value = properties[key]
      if (key === '$set' && value && typeof value === 'object') assignInto(set, value as Record<string, unknown>)
      else if (key === '$set_once' || key === '$anon_distinct_id') result[key] = value
      else set[key] = value
    }
  }
  result.$set = set
  // posthog-node always sends `$set_once`, empty when none was given.
  if (result.$set_once === undefined) result.$set_once = {}
  return result
}
