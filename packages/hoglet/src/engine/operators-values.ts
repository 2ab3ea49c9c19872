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
  // JSON number text as the server writes it (`1e21`, not `1e+21`).
  if (typeof value === 'number') return Number.isFinite(value) ? String(value).replace('e+', 'e') : 'null'
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

// The text forms a float parses from on the server (Rust's f64 grammar: no spaces, `inf`, `NaN`).
const FLOAT_TEXT = /^[+-]?(?:inf|infinity|nan|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)$/i

/** The number a string is as a float on the server, or undefined when it is not one. */
export function floatFromText(text: string): number | undefined {
  if (!FLOAT_TEXT.test(text)) return undefined
  const lower = text.toLowerCase()
  const unsigned = lower.replace(/^[+-]/, '')
  if (unsigned === 'nan') return NaN
  if (unsigned === 'inf' || unsigned === 'infinity') return lower.startsWith('-') ? -Infinity : Infinity
  return Number(text)
}

/**
 * A value as a number the way the server's numeric operators read it: a JSON number is itself,
 * anything else is its string form parsed as a float. Undefined when it is not a number
 * (NaN is a number: it compares false with everything).
 */
export function numberOf(value: unknown): number | undefined {
  if (typeof value === 'number') return value
  return floatFromText(stringForm(value))
}

/** `exact`'s boolean rule: a boolean, `"true"`/`"false"` in any case, or an array made only of those (`[]` included). */
export function isBooleanLike(value: unknown): boolean {
  if (typeof value === 'boolean') return true
  if (typeof value === 'string') {
    const lower = value.toLowerCase()
    return lower === 'true' || lower === 'false'
  }
  return Array.isArray(value) && value.every(isBooleanLike)
}

/** Truthiness under that rule: `true`, `"true"` in any case, or an array whose every element is truthy. */
export function truthiness(value: unknown): boolean {
  if (typeof value === 'boolean') return value
  if (typeof value === 'string') return value.toLowerCase() === 'true'
  return Array.isArray(value) && value.every(truthiness)
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
