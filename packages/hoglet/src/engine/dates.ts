/**
 * Dates for `is_date_before`, `is_date_after` and `is_date_exact`. Relative values (`-7d`,
 * `-2w`, `-1m`, `-1y`, `-6h`) are anchored to now; absolute values are ISO 8601 dates or
 * date-times. An explicit offset (`Z`, `+02:00`, `+0200`, ` UTC`) is honoured; a naive value is
 * read in the project's timezone (UTC unless given).
 */

/** A parsed absolute date: the instant, and whether it named a whole day. */
export interface ParsedDate {
  ms: number
  dateOnly: boolean
}

/** A relative filter value: "now minus `amount` `unit`". */
export interface RelativeDate {
  amount: number
  unit: 'h' | 'd' | 'w' | 'm' | 'y'
}

const RELATIVE = /^-?(\d+)([hdwmy])$/
const ISO =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|z|UTC|[+-]\d{2}(?::?\d{2})?)?$/

/** Parses a relative date like `-7d`; undefined when the text is not one (or is absurdly large). */
export function parseRelativeDate(text: string): RelativeDate | undefined {
  const m = RELATIVE.exec(text.trim())
  if (!m) return undefined
  const amount = Number(m[1])
  if (amount >= 10000) return undefined
  return { amount, unit: m[2] as RelativeDate['unit'] }
}

/** The instant `rel` before `nowMs`; months and years are calendar steps clamped to month end. */
export function resolveRelativeDate(rel: RelativeDate, nowMs: number): number {
  switch (rel.unit) {
    case 'h':
      return nowMs - rel.amount * 3_600_000
    case 'd':
      return nowMs - rel.amount * 86_400_000
    case 'w':
      return nowMs - rel.amount * 604_800_000
    case 'm':
      return shiftMonths(nowMs, -rel.amount)
    case 'y':
      return shiftMonths(nowMs, -12 * rel.amount)
  }
}

function shiftMonths(ms: number, months: number): number {
  const d = new Date(ms)
  const total = d.getUTCFullYear() * 12 + d.getUTCMonth() + months
  const year = Math.floor(total / 12)
  const month = total - year * 12
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate()
  const day = Math.min(d.getUTCDate(), lastDay)
  const t = Date.UTC(year, month, day, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds())
  // Date.UTC maps years 0–99 to 1900–1999; fix such years explicitly.
  if (year >= 0 && year < 100) {
    const fixed = new Date(t)
    fixed.setUTCFullYear(year)
    return fixed.getTime()
  }
  return t
}

/** Offset of `timeZone` from UTC, in minutes, at the given UTC instant. */
export type OffsetLookup = (utcMs: number) => number

const offsetLookups = new Map<string, OffsetLookup>()

/** Builds (and caches) an offset lookup for an IANA zone; undefined when the zone is unknown. */
export function timezoneOffsetLookup(timeZone: string | undefined): OffsetLookup | undefined {
  if (!timeZone || timeZone === 'UTC' || timeZone === 'Etc/UTC') return undefined
  const cached = offsetLookups.get(timeZone)
  if (cached) return cached
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
    })
  } catch {
    return undefined
  }
  const lookup: OffsetLookup = (utcMs) => {
    const parts: Record<string, number> = {}
    for (const p of format.formatToParts(new Date(utcMs))) if (p.type !== 'literal') parts[p.type] = Number(p.value)
    const asUtc = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second)
    return Math.round((asUtc - Math.floor(utcMs / 1000) * 1000) / 60_000)
  }
  offsetLookups.set(timeZone, lookup)
  return lookup
}

/**
 * Parses an ISO 8601 date or date-time (`2024-05-01`, `2024-05-01T10:00`, `2024-05-01 10:00:00Z`,
 * `2024-05-01T10:00:00.123+02:00`, or a bare year `2024`, read as that year on today's date). Naive values are read in `offsetAt`'s zone (UTC if
 * absent). Returns undefined for anything else, including impossible dates like `2024-02-30`.
 */
export function parseAbsoluteDate(text: string, offsetAt?: OffsetLookup, nowMs = Date.now()): ParsedDate | undefined {
  const m = ISO.exec(text.trim())
  if (!m) return undefined
  const year = Number(m[1])
  // A bare year means that year on today's month and day (the SDKs' rule).
  const today = m[2] === undefined ? new Date(nowMs) : undefined
  const month = today ? today.getUTCMonth() + 1 : Number(m[2])
  const day = today ? today.getUTCDate() : m[3] === undefined ? 1 : Number(m[3])
  const hour = m[4] === undefined ? 0 : Number(m[4])
  const minute = m[5] === undefined ? 0 : Number(m[5])
  const second = m[6] === undefined ? 0 : Number(m[6])
  const millis = m[7] === undefined ? 0 : Math.floor(Number(`0.${m[7]}`) * 1000)
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined
  const daysInMonth = month === 2 ? (isLeap(year) ? 29 : 28) : new Date(Date.UTC(2001, month, 0)).getUTCDate()
  if (day > daysInMonth) return undefined
  const d = new Date(0)
  d.setUTCFullYear(year, month - 1, day)
  d.setUTCHours(hour, minute, second, millis)
  let ms = d.getTime()
  const zone = m[8]
  if (zone !== undefined) {
    ms -= zoneOffsetMinutes(zone) * 60_000
  } else if (offsetAt) {
    // Naive local time: subtract the zone's offset (re-checked once around DST changes).
    const guess = ms - offsetAt(ms) * 60_000
    ms = ms - offsetAt(guess) * 60_000
  }
  return { ms, dateOnly: m[4] === undefined }
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
}

function zoneOffsetMinutes(zone: string): number {
  if (zone === 'Z' || zone === 'z' || zone === 'UTC') return 0
  const sign = zone[0] === '-' ? -1 : 1
  const digits = zone.slice(1).replace(':', '')
  const hours = Number(digits.slice(0, 2))
  const minutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0
  return sign * (hours * 60 + minutes)
}

/** The calendar day (as `YYYYMMDD`) of an instant in the zone of `offsetAt` (UTC if absent). */
export function calendarDay(ms: number, offsetAt?: OffsetLookup): number {
  const d = new Date(offsetAt ? ms + offsetAt(ms) * 60_000 : ms)
  return d.getUTCFullYear() * 10000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate()
}
