/**
 * Property operators, compiled once per definitions load into small test functions.
 * Semantics follow PostHog's server and its unit tests (docs/flag-operators.md has the table).
 */
import { compareInstants, parseDateText, parseRelativeDate, propertyInstant, resolveRelativeDate, timezoneOffsetLookup } from './dates.js'
import type { Instant, OffsetLookup } from './dates.js'
import { compileGuardedRegex, type RegexBudget } from './operators-regex.js'
import { asciiLower, floatFromText, isBooleanLike, memoize, NO, numberOf, stringForm, truthiness, UNDECIDED, unicodeLower, YES } from './operators-values.js'
import type { Outcome } from './operators-values.js'
import { compareSemver, parseSemver, requirementFor, satisfies } from './semver.js'
import type { Semver } from './semver.js'
import type { PropertyFilter } from './types.js'

/** `local`: the SDK, which sees only the properties it is given. `server`: authoritative. */
export type EvaluationMode = 'local' | 'server'

/** What a property test may need from the evaluation in progress. */
export interface TestScope {
  /** Milliseconds since the epoch, read once per evaluation. */
  now(): number
  /** The regex step budget all the searches of this evaluation share. */
  readonly regexBudget: RegexBudget
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

// Operators that match when the property is not set (the server, with complete properties).
const MATCH_WHEN_NOT_SET: ReadonlySet<string> = new Set([
  'is_not', 'not_icontains', 'not_icontains_multi', 'not_regex', 'not_starts_with', 'not_ends_with', 'not_between',
])

/**
 * The outcome when the filter's key is absent. Locally that is undecidable (the server may
 * know the property). The server itself knows it is not set: `is_not_set` and the negated
 * operators match (when the filter has a value), everything else does not.
 */
export function missingKeyOutcome(filter: PropertyFilter, mode: EvaluationMode): Outcome {
  if (mode === 'local') return UNDECIDED
  const operator = filter.operator ?? 'exact'
  if (operator === 'is_not_set') return YES
  if (filter.value === null || filter.value === undefined) return NO
  return MATCH_WHEN_NOT_SET.has(operator) ? YES : NO
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
      return compileRegex(stringForm(expected), operator === 'not_regex', error)
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return compileNumeric(operator as 'gt' | 'gte' | 'lt' | 'lte', numberOf(expected), error)
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

/**
 * `exact` / `is_not`. A boolean-like filter value (see {@link isBooleanLike}) compares
 * truthiness, so `false` matches any property that is not true-like. Otherwise string forms
 * compare with Unicode lower-casing, and an array filter matches any of its elements.
 */
function compileExact(expected: unknown, negate: boolean): PropertyTest {
  if (isBooleanLike(expected)) {
    const want = truthiness(expected)
    return (value) => ((truthiness(value) === want) !== negate ? YES : NO)
  }
  if (!Array.isArray(expected)) {
    const single = unicodeLower(stringForm(expected))
    return (value) => ((unicodeLower(stringForm(value)) === single) !== negate ? YES : NO)
  }
  const set = new Set(expected.map((v) => unicodeLower(stringForm(v))))
  return (value) => (set.has(unicodeLower(stringForm(value))) !== negate ? YES : NO)
}

type TextOperator = 'icontains' | 'not_icontains' | 'starts_with' | 'not_starts_with' | 'ends_with' | 'not_ends_with'

/** The contains / starts / ends family on ASCII-lower-cased string forms; a match of any needle counts. */
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

/**
 * `regex` / `not_regex`: an invalid or refused pattern gives false for both; a search the
 * matcher gives up on (over-long value, exhausted budget) is an error, as on the server.
 */
function compileRegex(pattern: string, negate: boolean, error: Outcome): PropertyTest {
  const re = compileGuardedRegex(pattern)
  if (!re) return always(NO)
  return (value, scope) => {
    const found = re.test(stringForm(value), scope.regexBudget)
    if (found === undefined) return error
    return found !== negate ? YES : NO
  }
}

/** Numeric comparisons: both sides must read as numbers (see {@link numberOf}), else the filter is an error. */
function compileNumeric(operator: 'gt' | 'gte' | 'lt' | 'lte', bound: number | undefined, error: Outcome): PropertyTest {
  return (value) => {
    const n = numberOf(value)
    if (n === undefined || bound === undefined) return error
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

/**
 * `between` / `not_between` with an inclusive `[min, max]` (numbers or numeric strings,
 * min ≤ max, else an error); a non-numeric property is an error, a NaN one matches neither.
 */
function compileBetween(expected: unknown, negate: boolean, error: Outcome): PropertyTest {
  if (!Array.isArray(expected) || expected.length !== 2) return always(error)
  const min = numberOf(expected[0])
  const max = numberOf(expected[1])
  if (min === undefined || max === undefined || Number.isNaN(min) || Number.isNaN(max) || min > max) return always(error)
  return (value) => {
    const n = numberOf(value)
    if (n === undefined) return error
    if (Number.isNaN(n)) return NO
    return (n >= min && n <= max) !== negate ? YES : NO
  }
}

/** Date operators on instants (see dates.ts); an unparseable filter or property value gives false. */
function compileDate(operator: 'is_date_before' | 'is_date_after' | 'is_date_exact', expected: unknown, options: OperatorOptions): PropertyTest {
  if (typeof expected !== 'string') return always(NO)
  const zone: OffsetLookup | undefined = timezoneOffsetLookup(options.timezone)
  const relative = parseRelativeDate(expected)
  const fixed: Instant | undefined = relative ? undefined : parseDateText(expected, zone, 0)
  if (!relative && !fixed) return always(NO)
  // A relative bound depends only on the clock: resolved once per distinct "now".
  let boundAt = NaN
  let relativeBound: Instant | undefined
  const boundFor = (nowMs: number): Instant | undefined => {
    if (nowMs !== boundAt) {
      boundAt = nowMs
      const ms = resolveRelativeDate(relative!, nowMs, zone)
      relativeBound = ms === undefined ? undefined : { ms, ns: 0 }
    }
    return relativeBound
  }
  // Property strings parse once; relative ones (which depend on the clock) are only classified.
  const parseText = memoize((text: string): Instant | undefined | typeof CLOCK_DEPENDENT =>
    floatFromText(text) === undefined && parseRelativeDate(text) ? CLOCK_DEPENDENT : propertyInstant(text, (t) => parseDateText(t, zone, 0)),
  )
  return (value, scope) => {
    const bound = fixed ?? boundFor(scope.now())
    if (!bound) return NO
    // A JS Date (SDK callers) is the instant it denotes, as its JSON text is in a /flags request.
    if (value instanceof Date) value = Number.isNaN(value.getTime()) ? null : value.toISOString()
    let parsed: Instant | undefined
    if (typeof value === 'string') {
      const p = parseText(value)
      parsed = p === CLOCK_DEPENDENT ? parseDateText(value, zone, scope.now()) : p
    } else {
      parsed = propertyInstant(value, () => undefined)
    }
    if (!parsed) return NO
    const c = compareInstants(parsed, bound)
    if (operator === 'is_date_before') return c < 0 ? YES : NO
    if (operator === 'is_date_after') return c > 0 ? YES : NO
    return c === 0 ? YES : NO
  }
}

const CLOCK_DEPENDENT = Symbol('relative date')

/** Semver operators; an unparseable property value gives false, an unparseable filter value is an error. */
function compileSemver(operator: string, expected: unknown, error: Outcome): PropertyTest {
  const parse = memoize((text: string) => parseSemver(text))
  const version = (value: unknown): Semver | undefined => (typeof value === 'string' ? parse(value) : parseSemver(value))
  if (operator === 'semver_tilde' || operator === 'semver_caret' || operator === 'semver_wildcard') {
    const requirement = requirementFor(operator, expected)
    return (value) => {
      const v = version(value)
      if (!v) return NO
      if (!requirement) return error
      return satisfies(v, requirement) ? YES : NO
    }
  }
  const target = parseSemver(expected)
  const accept = semverComparison(operator)
  // The property is parsed first: an unparseable one gives false even when the filter is invalid.
  return (value) => {
    const v = version(value)
    if (!v) return NO
    if (!target) return error
    return accept(compareSemver(v, target)) ? YES : NO
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
