/**
 * How property and filter values are seen by the operators (PostHog's server rules): a string
 * is itself, any other JSON value is its JSON text; case-insensitivity is ASCII-only.
 */

/** Three-valued match outcome, plus REMOTE: "only the server can decide this flag". */
export type Outcome = 0 | 1 | 2 | 3
export const NO = 0 as const
export const YES = 1 as const
/** Cannot be decided from the given data; a later condition may still decide the flag. */
export const UNDECIDED = 2 as const
/** The whole flag must be decided by the server (e.g. a cohort the definitions do not include). */
export const REMOTE = 3 as const

/** The string form a value is compared through: strings as is, everything else as JSON text. */
export function stringForm(value: unknown): string {
  if (typeof value === 'string') return value
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null'
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (value === null || value === undefined) return 'null'
  try {
    return JSON.stringify(value) ?? 'null'
  } catch {
    return String(value)
  }
}

/** Lower-cases A–Z only (no Unicode folding), without allocating when there is nothing to do. */
export function asciiLower(s: string): string {
  let upper = false
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 128) return s.replace(/[A-Z]+/g, (m) => m.toLowerCase())
    if (c >= 65 && c <= 90) upper = true
  }
  // For pure ASCII, the native lower-casing is exactly the ASCII rule.
  return upper ? s.toLowerCase() : s
}

const NUMERIC = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/

/** A finite number from a number or a numeric string; NaN otherwise (booleans are not numbers). */
export function toNumber(value: unknown): number {
  if (typeof value === 'number') return value
  if (typeof value === 'string' && NUMERIC.test(value)) return Number(value)
  return NaN
}

/** true/false for booleans and the strings "true"/"false" in any case; undefined otherwise. */
export function booleanLike(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value
  if (typeof value === 'string' && value.length <= 5) {
    const lower = asciiLower(value)
    if (lower === 'true') return true
    if (lower === 'false') return false
  }
  return undefined
}

/**
 * A small memo for parsing property values (dates, versions): the same values recur across
 * flags and requests. Bounded: cleared when full, so memory stays flat whatever the traffic.
 */
export function memoize<T>(parse: (text: string) => T, capacity = 2048): (text: string) => T {
  let cache = new Map<string, T>()
  return (text) => {
    let v = cache.get(text)
    if (v === undefined && !cache.has(text)) {
      v = parse(text)
      if (cache.size >= capacity) cache = new Map()
      cache.set(text, v)
    }
    return v as T
  }
}
