/**
 * Dates for `is_date_before`, `is_date_after` and `is_date_exact`, read the way PostHog's server
 * reads them (its unit tests are the reference, test/fixtures/server-vectors/):
 * - a number, or a string that is a number, is seconds since the epoch (fractions kept to the
 *   nanosecond);
 * - a relative value (`-7d`, `-2w`, `-1m`, `-1y`, `-6h`) is "now minus that", computed on the
 *   team's wall clock in its timezone and read back in that timezone;
 * - an RFC 3339 date-time with an offset is that instant;
 * - a naive date (`2024-06-01`, midnight) or date-time is the team's wall clock: on a DST
 *   fall-back the earlier instant, in a spring-forward gap no date at all.
 * Instants carry nanoseconds, so equality is exact.
 */
import { floatFromText } from './operators-values.js'

/** An instant: milliseconds since the epoch plus the nanoseconds below the millisecond (0–999 999). */
export interface Instant {
  ms: number
  ns: number
}

export function compareInstants(a: Instant, b: Instant): number {
  return a.ms !== b.ms ? a.ms - b.ms : a.ns - b.ns
}

/** A relative filter value: "now minus `amount` `unit`". */
export interface RelativeDate {
  amount: number
  unit: 'h' | 'd' | 'w' | 'm' | 'y'
}

const RELATIVE = /^-?(\d+)([hdwmy])$/

/** Parses a relative date like `-7d` (the sign is optional); undefined when it is not one or N ≥ 10000. */
export function parseRelativeDate(text: string): RelativeDate | undefined {
  const m = RELATIVE.exec(text)
  if (!m) return undefined
  const amount = Number(m[1])
  if (amount >= 10000) return undefined
  return { amount, unit: m[2] as RelativeDate['unit'] }
}

/** Offset of a timezone from UTC, in minutes, at the given UTC instant. */
export type OffsetLookup = (utcMs: number) => number

const offsetLookups = new Map<string, OffsetLookup | null>()

/** Builds (and caches) an offset lookup for an IANA zone; undefined for UTC and for unknown zones. */
export function timezoneOffsetLookup(timeZone: string | undefined): OffsetLookup | undefined {
  if (!timeZone || timeZone === 'UTC' || timeZone === 'Etc/UTC') return undefined
  const cached = offsetLookups.get(timeZone)
  if (cached !== undefined) return cached ?? undefined
  let format: Intl.DateTimeFormat
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    })
  } catch {
    offsetLookups.set(timeZone, null)
    return undefined
  }
  const lookup: OffsetLookup = (utcMs) => {
    const parts: Record<string, string> = {}
    for (const p of format.formatToParts(new Date(utcMs))) if (p.type !== 'literal') parts[p.type] = p.value
    const year = parts.era === 'BC' || parts.era === 'B' ? 1 - Number(parts.year) : Number(parts.year)
    const asUtc = utcFromFields(year, Number(parts.month), Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second), 0)
    return Math.round((asUtc - Math.floor(utcMs / 1000) * 1000) / 60_000)
  }
  offsetLookups.set(timeZone, lookup)
  return lookup
}

/** Milliseconds for a UTC wall clock (years 0–99 taken literally, unlike `Date.UTC`). */
function utcFromFields(year: number, month: number, day: number, hour: number, minute: number, second: number, ms: number): number {
  const d = new Date(0)
  d.setUTCFullYear(year, month - 1, day)
  d.setUTCHours(hour, minute, second, ms)
  return d.getTime()
}

const DAY_MS = 86_400_000

/**
 * The instant a wall clock (given as if it were UTC milliseconds) denotes in a zone: the
 * earlier one when the clock occurs twice, undefined when it never occurs (a DST gap).
 */
export function wallClockToInstant(wallMs: number, zone: OffsetLookup | undefined): number | undefined {
  if (!zone) return wallMs
  const before = zone(wallMs - DAY_MS)
  const after = zone(wallMs + DAY_MS)
  let best: number | undefined
  for (const offset of before === after ? [before] : [before, after]) {
    const t = wallMs - offset * 60_000
    if (zone(t) === offset && (best === undefined || t < best)) best = t
  }
  return best
}

/** The wall clock (as if UTC milliseconds) of an instant in a zone. */
function instantToWallClock(ms: number, zone: OffsetLookup | undefined): number {
  return zone ? ms + zone(ms) * 60_000 : ms
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
}

function lastDayOfMonth(year: number, month: number): number {
  if (month === 2) return isLeap(year) ? 29 : 28
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}

/**
 * "now minus `rel`" on the zone's wall clock, read back in the zone. Hours, days and weeks are
 * fixed lengths of wall-clock time; months and years step back one at a time, each step
 * clamping the day to the month's end (Mar 31 − 1m = Feb 29; − 2m = Jan 29), and a year step
 * clamps Feb 29 only. Undefined when the result falls in a DST gap.
 */
export function resolveRelativeDate(rel: RelativeDate, nowMs: number, zone?: OffsetLookup): number | undefined {
  const wall = instantToWallClock(nowMs, zone)
  let shifted: number
  switch (rel.unit) {
    case 'h':
      shifted = wall - rel.amount * 3_600_000
      break
    case 'd':
      shifted = wall - rel.amount * DAY_MS
      break
    case 'w':
      shifted = wall - rel.amount * 7 * DAY_MS
      break
    default:
      shifted = stepBack(wall, rel.unit, rel.amount)
  }
  return wallClockToInstant(shifted, zone)
}

function stepBack(wall: number, unit: 'm' | 'y', steps: number): number {
  const d = new Date(wall)
  let year = d.getUTCFullYear()
  let month = d.getUTCMonth() + 1
  let day = d.getUTCDate()
  for (let i = 0; i < steps; i++) {
    if (unit === 'm') {
      if (month === 1) {
        year -= 1
        month = 12
      } else {
        month -= 1
      }
      day = Math.min(day, lastDayOfMonth(year, month))
    } else {
      year -= 1
      if (month === 2) day = Math.min(day, lastDayOfMonth(year, month))
    }
  }
  return utcFromFields(year, month, day, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds())
}

// The server's date range (years ±262 143), in seconds.
const MAX_SECONDS = utcFromFields(262142, 12, 31, 23, 59, 59, 0) / 1000
const MIN_SECONDS = utcFromFields(-262143, 1, 1, 0, 0, 0, 0) / 1000

/**
 * Seconds since the epoch as the server converts them: whole seconds by `floor`, nanoseconds by
 * rounding the fraction (a negative fraction counts as 0, NaN as 0 seconds).
 */
export function epochSecondsToInstant(seconds: number): Instant | undefined {
  if (seconds === Infinity || seconds === -Infinity) return undefined
  const whole = Number.isNaN(seconds) ? 0 : Math.floor(seconds)
  if (whole > MAX_SECONDS || whole < MIN_SECONDS) return undefined
  const fraction = Math.round((seconds % 1) * 1e9)
  const nanos = Number.isNaN(fraction) || fraction < 0 ? 0 : fraction
  return { ms: whole * 1000 + Math.floor(nanos / 1e6), ns: nanos % 1e6 }
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$/
const DATE_ONLY = /^(\d{4})-(\d{1,2})-(\d{1,2})$/
const NAIVE_DATE_TIME = /^(\d{4})-(\d{1,2})-(\d{1,2})[T ](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d+))?)?$/
// Other ISO 8601 shapes (offsets without a colon, ` UTC`, year-month); naive ones are read as UTC.
const OTHER_ISO = /^(\d{4})-(\d{2})(?:-(\d{2}))?(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|z|UTC|[+-]\d{2}(?::?\d{2})?)?$/

interface Fields {
  year: number
  month: number
  day: number
  hour: number
  minute: number
  second: number
  /** Nanoseconds within the second. */
  nanos: number
}

function fieldsOf(m: RegExpExecArray, withTime: boolean, fractionIndex: number): Fields | undefined {
  const year = Number(m[1])
  const month = m[2] === undefined ? 1 : Number(m[2])
  const day = m[3] === undefined ? 1 : Number(m[3])
  const hour = withTime && m[4] !== undefined ? Number(m[4]) : 0
  const minute = withTime && m[5] !== undefined ? Number(m[5]) : 0
  const second = withTime && m[6] !== undefined ? Number(m[6]) : 0
  const fraction = m[fractionIndex]
  const nanos = fraction === undefined ? 0 : Number(fraction.slice(0, 9).padEnd(9, '0'))
  if (month < 1 || month > 12 || day < 1 || day > lastDayOfMonth(year, month) || hour > 23 || minute > 59 || second > 59) return undefined
  return { year, month, day, hour, minute, second, nanos }
}

function wallMs(f: Fields): number {
  return utcFromFields(f.year, f.month, f.day, f.hour, f.minute, f.second, Math.floor(f.nanos / 1e6))
}

function offsetMinutes(zone: string): number {
  if (zone === 'Z' || zone === 'z' || zone === 'UTC') return 0
  const sign = zone[0] === '-' ? -1 : 1
  const digits = zone.slice(1).replace(':', '')
  return sign * (Number(digits.slice(0, 2)) * 60 + (digits.length > 2 ? Number(digits.slice(2, 4)) : 0))
}

function naiveInZone(f: Fields, zone: OffsetLookup | undefined): Instant | undefined {
  const ms = wallClockToInstant(wallMs(f), zone)
  return ms === undefined ? undefined : { ms, ns: f.nanos % 1e6 }
}

/**
 * A date string as the server reads a filter value (and a property string that is not a
 * number): relative, RFC 3339, naive date or date-time in the team's zone, then other ISO 8601
 * shapes and 10- or 13-digit epoch timestamps. Undefined when it is none of these.
 */
export function parseDateText(text: string, zone: OffsetLookup | undefined, nowMs: number): Instant | undefined {
  const rel = parseRelativeDate(text)
  if (rel) {
    const ms = resolveRelativeDate(rel, nowMs, zone)
    if (ms !== undefined) return { ms, ns: 0 }
  }
  let m = RFC3339.exec(text)
  if (m) {
    const f = fieldsOf(m, true, 7)
    return f && { ms: wallMs(f) - offsetMinutes(m[8]) * 60_000, ns: f.nanos % 1e6 }
  }
  m = DATE_ONLY.exec(text)
  if (m) {
    const f = fieldsOf(m, false, 99)
    return f && naiveInZone(f, zone)
  }
  m = NAIVE_DATE_TIME.exec(text)
  if (m) {
    const f = fieldsOf(m, true, 7)
    return f && naiveInZone(f, zone)
  }
  if (/^\d{10}$/.test(text)) return epochSecondsToInstant(Number(text))
  if (/^\d{13}$/.test(text)) return { ms: Number(text), ns: 0 }
  m = OTHER_ISO.exec(text.trim())
  if (m) {
    const f = fieldsOf(m, true, 7)
    return f && { ms: wallMs(f) - (m[8] ? offsetMinutes(m[8]) : 0) * 60_000, ns: f.nanos % 1e6 }
  }
  return undefined
}

/** A property value as a date: numbers and numeric strings are epoch seconds; other strings are date text. */
export function propertyInstant(value: unknown, parseText: (text: string) => Instant | undefined): Instant | undefined {
  if (typeof value === 'number') return epochSecondsToInstant(value)
  if (typeof value !== 'string') return undefined
  const seconds = floatFromText(value)
  return seconds === undefined ? parseText(value) : epochSecondsToInstant(seconds)
}

/** Parses a naive or offset date-time as a filter value would be read (for tests and tools). */
export function parseAbsoluteDate(text: string, zone?: OffsetLookup): Instant | undefined {
  return parseRelativeDate(text) ? undefined : parseDateText(text, zone, 0)
}
