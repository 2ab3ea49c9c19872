/**
 * Regex filters that cannot hang the caller.
 *
 * JavaScript has no regex timeout, and PostHog's server runs patterns with a backtracking
 * limit, so hoglet bounds the work of every regex filter:
 * - A refused (over-long) or invalid pattern gives false for `regex` and `not_regex`.
 * - Patterns with a backreference (`\1`, `\k<name>`) always run on the budgeted matcher:
 *   PostHog's server supports them within a backtracking limit, and so does hoglet.
 * - A pattern with no nested quantifier (`(a+)+`, `(a|aa)*`) and `u` unbounded quantifiers
 *   (`*`, `+`, `{n,}`) backtracks at worst in O(n^(u+1)) for a value of n characters. It runs
 *   on the native engine when that bound stays under ~10^6 steps: values up to 1000 characters
 *   with one unbounded quantifier, 100 with two, 31 with three, and so on.
 * - Everything else (and longer values) runs on a small backtracking matcher with a budget of
 *   {@link STEP_BUDGET} steps; a search that runs out has no answer, and the filter is an error
 *   (for both operators), like a search the server's backtracking limit stops.
 * - Values longer than {@link MAX_REGEX_INPUT_LENGTH} characters are not searched (an error).
 * - One evaluation (all the flags of one `getAllFlags`, or one flag with its dependencies)
 *   shares {@link EVALUATION_STEP_BUDGET} steps across all its regex searches: a native search
 *   is charged its worst-case bound and runs only when that fits in what is left; otherwise
 *   the budgeted matcher runs on what is left and is charged the steps it took. Once the
 *   budget is spent, further searches of that evaluation are errors, so thousands of costly
 *   regex flags cannot add up to seconds.
 *
 * Python-style syntax is translated: a leading `(?i)` (also `(?s)`, `(?m)`, combined)
 * becomes a flag, `(?P<name>` becomes `(?<name>`.
 */
import { compileBudgeted } from './operators-regex-engine.js'
import type { BudgetedRegex } from './operators-regex-engine.js'

export const MAX_PATTERN_LENGTH = 1000
export const MAX_REGEX_INPUT_LENGTH = 10_000
/** Worst-case backtracking steps allowed on the native engine. */
export const NATIVE_STEP_BOUND = 1_000_000
export const STEP_BUDGET = 100_000
/**
 * Steps all the regex searches of one evaluation may take together: about 0.1 s of the
 * budgeted matcher at its slowest (~50 ns a step), or two native searches at their worst-case bound.
 */
export const EVALUATION_STEP_BUDGET = 2_000_000

/** What is left of one evaluation's shared regex budget; searches take from it. */
export interface RegexBudget {
  steps: number
}

export function createRegexBudget(): RegexBudget {
  return { steps: EVALUATION_STEP_BUDGET }
}

export type RegexHazard = 'backreference' | 'nested quantifier' | 'several unbounded quantifiers' | 'too long'

/** What in a pattern could make native backtracking explode, or undefined when nothing. */
export function regexHazard(pattern: string): RegexHazard | undefined {
  return analyzePattern(pattern).hazard
}

interface PatternAnalysis {
  hazard: RegexHazard | undefined
  /** Unbounded quantifiers (`*`, `+`, `{n,}`) outside classes. */
  unbounded: number
}

function analyzePattern(pattern: string): PatternAnalysis {
  const refuse = (hazard: RegexHazard): PatternAnalysis => ({ hazard, unbounded: Infinity })
  if (pattern.length > MAX_PATTERN_LENGTH) return refuse('too long')
  // Per open group: does its body contain a repeating quantifier or an alternation?
  const groups: boolean[] = []
  let lastGroupRisky = false // the atom just closed was a risky group
  let unbounded = 0
  let nested = false
  let inClass = false
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]
    if (c === '\\') {
      const next = pattern[i + 1]
      if (!inClass && next !== undefined && ((next >= '1' && next <= '9') || next === 'k')) return refuse('backreference')
      i++
      lastGroupRisky = false
      continue
    }
    if (inClass) {
      if (c === ']') inClass = false
      continue
    }
    if (c === '[') {
      inClass = true
      lastGroupRisky = false
      continue
    }
    if (c === '(') {
      groups.push(false)
      lastGroupRisky = false
      continue
    }
    if (c === ')') {
      const risky = groups.pop() ?? false
      lastGroupRisky = risky
      if (risky && groups.length > 0) groups[groups.length - 1] = true
      continue
    }
    const quantifier = quantifierAt(pattern, i)
    if (quantifier) {
      if (lastGroupRisky && quantifier.repeats) nested = true
      if (quantifier.unbounded) unbounded++
      if (quantifier.repeats && groups.length > 0) groups[groups.length - 1] = true
      i += quantifier.length - 1
      if (pattern[i + 1] === '?') i++ // lazy suffix
      lastGroupRisky = false
      continue
    }
    if (c === '|' && groups.length > 0) groups[groups.length - 1] = true
    lastGroupRisky = false
  }
  if (nested) return { hazard: 'nested quantifier', unbounded }
  return { hazard: unbounded > 1 ? 'several unbounded quantifiers' : undefined, unbounded }
}

/** The longest value the native engine may search for this pattern (-1: never). */
export function nativeInputLimit(pattern: string): number {
  const { hazard, unbounded } = analyzePattern(pattern)
  if (hazard !== undefined && hazard !== 'several unbounded quantifiers') return -1
  return nativeLimitFor(unbounded)
}

function nativeLimitFor(unbounded: number): number {
  return Math.floor(Math.pow(NATIVE_STEP_BOUND, 1 / (unbounded + 1)) + 1e-9)
}

interface Quantifier {
  length: number
  /** Can repeat its atom more than once. */
  repeats: boolean
  unbounded: boolean
}

function quantifierAt(p: string, i: number): Quantifier | undefined {
  const c = p[i]
  if (c === '*' || c === '+') return { length: 1, repeats: true, unbounded: true }
  if (c === '?') return p[i - 1] === '(' ? undefined : { length: 1, repeats: false, unbounded: false }
  if (c === '{') {
    const m = /^\{(\d*)(,?)(\d*)\}/.exec(p.slice(i, i + 24))
    if (!m || m[1] === '') return undefined
    const max = m[2] === '' ? Number(m[1]) : m[3] === '' ? Infinity : Number(m[3])
    // A large bounded repeat backtracks like an unbounded one.
    return { length: m[0].length, repeats: max > 1, unbounded: max > 16 }
  }
  return undefined
}

/** A compiled regex filter pattern. */
export interface GuardedRegex {
  /**
   * true/false, or undefined when the value is too long or the search ran out of budget.
   * `budget` is the evaluation's shared one (see {@link EVALUATION_STEP_BUDGET}); a fresh one when omitted.
   */
  test(value: string, budget?: RegexBudget): boolean | undefined
}

/** Compiles a filter's pattern, or returns undefined when it is invalid or refused. */
export function compileGuardedRegex(pattern: string): GuardedRegex | undefined {
  const { hazard, unbounded } = analyzePattern(pattern)
  if (hazard === 'too long') return undefined
  let flags = ''
  let source = pattern
  const inline = /^\(\?([imsx]+)\)/.exec(source)
  if (inline) {
    if (inline[1].includes('x')) return undefined // verbose mode has no JS equivalent
    flags = [...new Set(inline[1])].join('')
    source = source.slice(inline[0].length)
  }
  source = source.replace(/\(\?P</g, '(?<')
  let native: RegExp
  try {
    native = new RegExp(source, flags)
  } catch {
    return undefined // a syntax error
  }
  let budgeted: BudgetedRegex | undefined
  try {
    budgeted = compileBudgeted(source, flags, STEP_BUDGET)
  } catch {
    budgeted = undefined // syntax the budgeted matcher does not support (lookbehind, \p{…})
  }
  const nativeLimit = hazard !== undefined && hazard !== 'several unbounded quantifiers' ? -1 : nativeLimitFor(unbounded)
  if (nativeLimit < 0 && !budgeted) return undefined
  return {
    test(value: string, budget: RegexBudget = createRegexBudget()): boolean | undefined {
      if (value.length > MAX_REGEX_INPUT_LENGTH) return undefined
      if (value.length <= nativeLimit) {
        // Worst case of a pattern without nested quantifiers: O(n^(u+1)) for u unbounded quantifiers.
        const bound = Math.pow(value.length + 1, unbounded + 1)
        if (bound <= budget.steps) {
          budget.steps -= bound
          return native.test(value)
        }
      }
      if (!budgeted || budget.steps <= 0) return undefined
      const found = budgeted.test(value, Math.min(STEP_BUDGET, budget.steps))
      budget.steps -= budgeted.lastSteps
      return found
    },
  }
}
