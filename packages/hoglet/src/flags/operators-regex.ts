/**
 * Regex filters without the risk of catastrophic backtracking.
 *
 * JavaScript has no regex timeout and PostHog's server runs patterns with a backtracking
 * limit, so a pattern that could hang the caller must be refused before it ever runs. At
 * compile time a pattern is refused (treated as invalid: `regex` and `not_regex` both give
 * false, as for a syntax error) when it has:
 * - a quantified group that itself contains a quantifier or an alternation (`(a+)+`,
 *   `(a|aa)*`, `(\w+\s?)*`): the shapes with exponential backtracking;
 * - a backreference (`\1`, `\k<name>`), which PostHog's server does not support either;
 * - more than {@link MAX_UNBOUNDED_QUANTIFIERS} unbounded quantifiers (`*`, `+`, `{n,}`),
 *   which bounds polynomial backtracking (`.*a.*b.*c.*d`) to a low degree;
 * - more than {@link MAX_PATTERN_LENGTH} characters.
 * At evaluation time, a property value longer than {@link MAX_REGEX_INPUT_LENGTH} characters
 * is not searched and the filter does not match (for both operators).
 *
 * Python-style syntax the definitions may carry is translated: a leading `(?i)` (also `(?s)`,
 * `(?m)`, combined) becomes a JS flag, `(?P<name>` becomes `(?<name>`.
 */

export const MAX_PATTERN_LENGTH = 1000
export const MAX_REGEX_INPUT_LENGTH = 10_000
export const MAX_UNBOUNDED_QUANTIFIERS = 3

/** Why a pattern was refused, or undefined when it is safe to run. */
export function regexHazard(pattern: string): string | undefined {
  if (pattern.length > MAX_PATTERN_LENGTH) return `longer than ${MAX_PATTERN_LENGTH} characters`
  // Per open group: does its body contain a quantifier or an alternation?
  const groups: boolean[] = []
  let lastGroupRisky = false // the atom just closed was a risky group
  let unbounded = 0
  let inClass = false
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]
    if (c === '\\') {
      const next = pattern[i + 1]
      if (!inClass && next !== undefined && ((next >= '1' && next <= '9') || next === 'k')) return 'backreference'
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
      if (pattern[i + 1] === ']') i++ // `[]...]` literal bracket
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
      if (lastGroupRisky && quantifier.repeats) return 'nested quantifier'
      if (quantifier.unbounded && ++unbounded > MAX_UNBOUNDED_QUANTIFIERS) return 'too many unbounded quantifiers'
      if (quantifier.repeats && groups.length > 0) groups[groups.length - 1] = true
      i += quantifier.length - 1
      // A lazy or possessive suffix belongs to the same quantifier.
      if (pattern[i + 1] === '?' || pattern[i + 1] === '+') i++
      lastGroupRisky = false
      continue
    }
    if (c === '|' && groups.length > 0) groups[groups.length - 1] = true
    lastGroupRisky = false
  }
  return undefined
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
  if (c === '?') return { length: 1, repeats: false, unbounded: false }
  if (c === '{') {
    const m = /^\{(\d*)(,?)(\d*)\}/.exec(p.slice(i, i + 24))
    if (!m || (m[1] === '' && m[3] === '')) return undefined
    const max = m[2] === '' ? Number(m[1]) : m[3] === '' ? Infinity : Number(m[3])
    return { length: m[0].length, repeats: max > 1, unbounded: max === Infinity }
  }
  return undefined
}

/** Compiles a filter's pattern, or returns undefined when it is invalid or refused. */
export function compileGuardedRegex(pattern: string): RegExp | undefined {
  if (regexHazard(pattern) !== undefined) return undefined
  let flags = ''
  let source = pattern
  const inline = /^\(\?([imsx]+)\)/.exec(source)
  if (inline) {
    if (inline[1].includes('x')) return undefined // verbose mode has no JS equivalent
    flags = [...new Set(inline[1])].join('')
    source = source.slice(inline[0].length)
  }
  source = source.replace(/\(\?P</g, '(?<')
  try {
    return new RegExp(source, flags)
  } catch {
    return undefined
  }
}
