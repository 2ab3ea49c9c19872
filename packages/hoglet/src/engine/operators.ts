/**
 * Property operators, compiled once per definitions load into small test functions.
 * Semantics follow PostHog's server (see docs/flag-operators.md for the full table).
 */
import { calendarDay, parseAbsoluteDate, parseRelativeDate, resolveRelativeDate, timezoneOffsetLookup } from './dates.js'
import type { OffsetLookup, RelativeDate } from './dates.js'
import { compileGuardedRegex } from './operators-regex.js'
import { asciiLower, booleanLike, memoize, NO, stringForm, toNumber, UNDECIDED, YES } from './operators-values.js'
import type { Outcome } from './operators-values.js'
import { caretRange, compareSemver, inRange, parseSemver, tildeRange, wildcardRange } from './semver.js'
import type { Semver, SemverRange } from './semver.js'
import type { PropertyFilter } from './types.js'

/** `local`: the SDK, which sees only the properties it is given. `server`: authoritative. */
export type EvaluationMode = 'local' | 'server'

/** What a property test may need from the evaluation in progress. */
export interface TestScope {
  /** Milliseconds since the epoch, read once per evaluation. */
  now(): number
}

/** Tests one present property value. */
export type PropertyTest = (value: unknown, scope: TestScope) => Outcome

export interface OperatorOptions {
  mode: EvaluationMode
  /** IANA zone for naive dates; UTC when absent or unknown. */
  timezone?: string
  now: () => number
}

/** Every operator a property filter may use (cohort and flag filters have their own). */
export const PROPERTY_OPERATORS: ReadonlySet<string> = new Set([
  'exact', 'is_not', 'is_set', 'is_not_set',
  'icontains', 'not_icontains', 'icontains_multi', 'not_icontains_multi',
  'regex', 'not_regex', 'starts_with', 'not_starts_with', 'ends_with', 'not_ends_with',
  'gt', 'gte', 'lt', 'lte', 'between', 'not_between',
  'is_date_before', 'is_date_after', 'is_date_exact',
  'semver_eq', 'semver_neq', 'semver_gt', 'semver_gte', 'semver_lt', 'semver_lte',
  'semver_tilde', 'semver_caret', 'semver_wildcard',
])

const always = (outcome: Outcome): PropertyTest => () => outcome

/**
 * The outcome when the filter's key is absent. Locally that is undecidable (the server may
 * know the property); the server itself knows the property is not set.
 */
export function missingKeyOutcome(operator: string, mode: EvaluationMode): Outcome {
  if (mode === 'local') return UNDECIDED
  return operator === 'is_not_set' ? YES : NO
}

/** Compiles the test applied to a present property value. */
export function compilePropertyTest(filter: PropertyFilter, options: OperatorOptions): PropertyTest {
  const operator = filter.operator ?? 'exact'
  // An invalid filter (bad number, bad version) is an error the server reports; locally the
  // server may still answer, so the filter is undecidable there.
  const error: Outcome = options.mode === 'local' ? UNDECIDED : NO
  if (!PROPERTY_OPERATORS.has(operator)) return always(error)
  if (operator === 'is_set') return always(YES)
  if (operator === 'is_not_set') return always(NO)
  const expected = filter.value
  if (expected === null || expected === undefined) return always(NO)

  switch (operator) {
    case 'exact':
      return compileExact(expected, false)
    case 'is_not':
      return compileExact(expected, true)
    case 'icontains':
    case 'not_icontains':
    case 'starts_with':
    case 'not_starts_with':
    case 'ends_with':
    case 'not_ends_with':
      return compileText(operator as TextOperator, [asciiLower(stringForm(expected))])
    case 'icontains_multi':
    case 'not_icontains_multi': {
      const needles = (Array.isArray(expected) ? expected : [expected]).map((v) => asciiLower(stringForm(v)))
      return compileText(operator === 'icontains_multi' ? 'icontains' : 'not_icontains', needles)
    }
    case 'regex':
    case 'not_regex':
      return compileRegex(stringForm(expected), operator === 'not_regex')
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return compileNumeric(operator as 'gt' | 'gte' | 'lt' | 'lte', toNumber(expected), error)
    case 'between':
    case 'not_between':
      return compileBetween(expected, operator === 'not_between', error)
    case 'is_date_before':
    case 'is_date_after':
    case 'is_date_exact':
      return compileDate(operator as 'is_date_before' | 'is_date_after' | 'is_date_exact', expected, options)
    default:
      return compileSemver(operator, expected, error)
  }
}

/** `exact` / `is_not`: boolean-like filters compare truthiness; others compare string forms, case-insensitively. */
function compileExact(expected: unknown, negate: boolean): PropertyTest {
  const list = Array.isArray(expected) ? expected : [expected]
  const bools = list.map(booleanLike)
  if (list.length > 0 && bools.every((b) => b !== undefined)) {
    const wantTrue = bools.includes(true)
    const wantFalse = bools.includes(false)
    return (value) => {
      const b = booleanLike(value)
      const hit = b === undefined ? false : b ? wantTrue : wantFalse
      return hit !== negate ? YES : NO
    }
  }
  if (list.length === 1) {
    const single = asciiLower(stringForm(list[0]))
    return (value) => ((asciiLower(stringForm(value)) === single) !== negate ? YES : NO)
  }
  const set = new Set(list.map((v) => asciiLower(stringForm(v))))
  return (value) => (set.has(asciiLower(stringForm(value))) !== negate ? YES : NO)
}

type TextOperator = 'icontains' | 'not_icontains' | 'starts_with' | 'not_starts_with' | 'ends_with' | 'not_ends_with'

/** The contains / starts / ends family on lower-cased string forms; a match of any needle counts. */
function compileText(operator: TextOperator, needles: string[]): PropertyTest {
  const negate = operator.startsWith('not_')
  const base = negate ? operator.slice(4) : operator
  const test =
    base === 'icontains'
      ? (s: string, n: string) => s.includes(n)
      : base === 'starts_with'
        ? (s: string, n: string) => s.startsWith(n)
        : (s: string, n: string) => s.endsWith(n)
  return (value) => {
    const s = asciiLower(stringForm(value))
    let hit = false
    for (let i = 0; i < needles.length && !hit; i++) hit = test(s, needles[i])
    return hit !== negate ? YES : NO
  }
}

/** `regex` / `not_regex`; an invalid or refused pattern, an over-long value or an exhausted budget gives false for both. */
function compileRegex(pattern: string, negate: boolean): PropertyTest {
  const re = compileGuardedRegex(pattern)
  if (!re) return always(NO)
  return (value) => {
    const found = re.test(stringForm(value))
    if (found === undefined) return NO // too long to search, or out of budget
    return found !== negate ? YES : NO
  }
}

/** Numeric comparisons: both sides must be numbers or numeric strings; there is no string fallback. */
function compileNumeric(operator: 'gt' | 'gte' | 'lt' | 'lte', bound: number, error: Outcome): PropertyTest {
  if (Number.isNaN(bound)) return always(error)
  return (value) => {
    const n = toNumber(value)
    if (Number.isNaN(n)) return error
    switch (operator) {
      case 'gt':
        return n > bound ? YES : NO
      case 'gte':
        return n >= bound ? YES : NO
      case 'lt':
        return n < bound ? YES : NO
      default:
        return n <= bound ? YES : NO
    }
  }
}

/** `between` / `not_between` with an inclusive `[min, max]`; a non-numeric value matches neither. */
function compileBetween(expected: unknown, negate: boolean, error: Outcome): PropertyTest {
  if (!Array.isArray(expected) || expected.length !== 2) return always(error)
  const min = toNumber(expected[0])
  const max = toNumber(expected[1])
  if (Number.isNaN(min) || Number.isNaN(max) || min > max) return always(error)
  return (value) => {
    const n = toNumber(value)
    if (Number.isNaN(n)) return NO
    return (n >= min && n <= max) !== negate ? YES : NO
  }
}

/** Date operators; an unparseable filter or property value gives false. */
function compileDate(operator: 'is_date_before' | 'is_date_after' | 'is_date_exact', expected: unknown, options: OperatorOptions): PropertyTest {
  if (typeof expected !== 'string') return always(NO)
  const zone: OffsetLookup | undefined = timezoneOffsetLookup(options.timezone)
  const relative: RelativeDate | undefined = parseRelativeDate(expected)
  const absolute = relative ? undefined : parseAbsoluteDate(expected, zone, options.now())
  if (!relative && !absolute) return always(NO)
  const dayOnly = operator === 'is_date_exact' && (relative !== undefined || absolute!.dateOnly)
  const fixedDay = absolute && dayOnly ? calendarDay(absolute.ms, zone) : 0
  // Bare years depend on today, so only full dates are memoized.
  const parseFull = memoize((text: string) => parseAbsoluteDate(text, zone))
  return (value, scope) => {
    if (typeof value !== 'string') return NO
    const parsed = /^\s*\d{4}\s*$/.test(value) ? parseAbsoluteDate(value, zone, scope.now()) : parseFull(value)
    if (!parsed) return NO
    const bound = relative ? resolveRelativeDate(relative, scope.now()) : absolute!.ms
    switch (operator) {
      case 'is_date_before':
        return parsed.ms < bound ? YES : NO
      case 'is_date_after':
        return parsed.ms > bound ? YES : NO
      default:
        if (dayOnly) return calendarDay(parsed.ms, zone) === (relative ? calendarDay(bound, zone) : fixedDay) ? YES : NO
        return parsed.ms === bound ? YES : NO
    }
  }
}

/** Semver operators; an unparseable property value gives false, an unparseable filter value is an error. */
function compileSemver(operator: string, expected: unknown, error: Outcome): PropertyTest {
  let range: SemverRange | undefined
  let target: Semver | undefined
  if (operator === 'semver_wildcard') {
    range = wildcardRange(expected)
  } else {
    target = parseSemver(expected)
    if (target && operator === 'semver_tilde') range = tildeRange(target)
    if (target && operator === 'semver_caret') range = caretRange(target)
  }
  if (!range && !target) return always(error)
  const parseText = memoize(parseSemver)
  const parse = (value: unknown): Semver | undefined =>
    typeof value === 'string' ? parseText(value) : typeof value === 'number' ? parseSemver(value) : undefined
  if (range) {
    const r = range
    return (value) => {
      const v = parse(value)
      return v && inRange(v, r) ? YES : NO
    }
  }
  const t = target!
  const accept = semverComparison(operator)
  return (value) => {
    const v = parse(value)
    return v && accept(compareSemver(v, t)) ? YES : NO
  }
}

function semverComparison(operator: string): (cmp: number) => boolean {
  switch (operator) {
    case 'semver_eq':
      return (c) => c === 0
    case 'semver_neq':
      return (c) => c !== 0
    case 'semver_gt':
      return (c) => c > 0
    case 'semver_gte':
      return (c) => c >= 0
    case 'semver_lt':
      return (c) => c < 0
    default:
      return (c) => c <= 0
  }
}
