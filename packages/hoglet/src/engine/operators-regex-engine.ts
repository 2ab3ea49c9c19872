/**
 * A small backtracking regex matcher with a step budget, for patterns that JavaScript's own
 * engine could run for hours (JS has no regex timeout). It supports the syntax flag filters
 * use: literals and escapes, `.`, classes, `\d \w \s \b` and their negations, groups
 * (capturing, `(?:`, named), backreferences (`\1`, `\k<name>`; one to a group that has not
 * matched fails, as on PostHog's server), lookaheads, alternation, greedy and lazy
 * quantifiers, `^ $`, and the `i`, `m`, `s` flags. Lookbehinds and Unicode property escapes
 * are not supported (the pattern is then refused unless the native engine may run it).
 *
 * A search that exceeds its budget has no answer; the filter is then an error, like a search
 * the server's backtracking limit stops.
 */

/** Thrown by the parser for syntax this matcher does not support. */
export class UnsupportedPattern extends Error {}

/** Matches from position `i`, calling `k` with each end position until `k` accepts. */
type Matcher = (i: number, k: (j: number) => boolean) => boolean
type CharTest = (c: number) => boolean

interface State {
  input: string
  steps: number
  /** Per capturing group (1-based): the span it last matched, or undefined. */
  captures: Array<[number, number] | undefined>
}

const OUT_OF_BUDGET = Symbol('out of budget')

const isDigit: CharTest = (c) => c >= 48 && c <= 57
const isWord: CharTest = (c) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95
const isSpace: CharTest = (c) => c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff
const isLineBreak: CharTest = (c) => c === 10 || c === 13 || c === 0x2028 || c === 0x2029
const not = (t: CharTest): CharTest => (c) => !t(c)

export interface BudgetedRegex {
  /** true/false, or undefined when the step budget (`limit`, default the compiled one) ran out before an answer. */
  test(input: string, limit?: number): boolean | undefined
  /** Steps the last `test` took (the limit plus one when it ran out). */
  readonly lastSteps: number
}

/** Compiles `source` with JS flags `i`, `m`, `s`; throws SyntaxError or UnsupportedPattern. */
export function compileBudgeted(source: string, flags: string, defaultBudget: number): BudgetedRegex {
  const ignoreCase = flags.includes('i')
  const multiline = flags.includes('m')
  const dotAll = flags.includes('s')
  const state: State = { input: '', steps: 0, captures: [] }
  let budget = defaultBudget
  let pos = 0
  let groupCount = 0
  const groupNames = new Map<string, number>()
  // Backreferences resolve once the whole pattern is parsed (a group may follow its reference).
  const pendingReferences: Array<() => void> = []

  const step = (): void => {
    if (++state.steps > budget) throw OUT_OF_BUDGET
  }
  const fold = (t: CharTest): CharTest => {
    if (!ignoreCase) return t
    return (c) => {
      if (t(c)) return true
      const s = String.fromCharCode(c)
      const lower = s.toLowerCase().charCodeAt(0)
      const upper = s.toUpperCase().charCodeAt(0)
      return (lower !== c && t(lower)) || (upper !== c && t(upper))
    }
  }
  const charMatcher = (t: CharTest): Matcher & { test: CharTest } => {
    const m = ((i, k) => {
      step()
      return i < state.input.length && t(state.input.charCodeAt(i)) && k(i + 1)
    }) as Matcher & { test: CharTest }
    m.test = t
    return m
  }

  const peek = () => source[pos]
  const eat = (s: string): boolean => {
    if (source.startsWith(s, pos)) {
      pos += s.length
      return true
    }
    return false
  }

  function parseAlternation(): Matcher {
    const branches = [parseSequence()]
    while (eat('|')) branches.push(parseSequence())
    if (branches.length === 1) return branches[0]
    return (i, k) => {
      for (const b of branches) if (b(i, k)) return true
      return false
    }
  }

  function parseSequence(): Matcher {
    const items: Matcher[] = []
    while (pos < source.length && peek() !== '|' && peek() !== ')') items.push(parseQuantified(parseAtom()))
    if (items.length === 0) return (i, k) => k(i)
    return items.reduceRight<Matcher>(
      (next, item) => (i, k) => item(i, (j) => next(j, k)),
      (i, k) => k(i),
    )
  }

  function parseQuantified(atom: Matcher & { test?: CharTest }): Matcher {
    let min: number
    let max: number
    if (eat('*')) [min, max] = [0, Infinity]
    else if (eat('+')) [min, max] = [1, Infinity]
    else if (eat('?')) [min, max] = [0, 1]
    else {
      const m = /^\{(\d+)(,?)(\d*)\}/.exec(source.slice(pos))
      if (!m) return atom
      pos += m[0].length
      min = Number(m[1])
      max = m[2] === '' ? min : m[3] === '' ? Infinity : Number(m[3])
      if (max < min) throw new SyntaxError('numbers out of order in {} quantifier')
    }
    const lazy = eat('?')
    if (peek() === '*' || peek() === '+' || peek() === '{') throw new SyntaxError('nothing to repeat')
    return atom.test ? repeatChar(atom.test, min, max, lazy) : repeat(atom, min, max, lazy)
  }

  /** A repeated single character test: scan the run once, then try ends without recursion. */
  function repeatChar(t: CharTest, min: number, max: number, lazy: boolean): Matcher {
    return (i, k) => {
      const input = state.input
      let n = 0
      while (n < max && i + n < input.length && t(input.charCodeAt(i + n))) {
        step()
        n++
      }
      if (n < min) return false
      if (lazy) {
        for (let e = min; e <= n; e++) if ((step(), k(i + e))) return true
      } else {
        for (let e = n; e >= min; e--) if ((step(), k(i + e))) return true
      }
      return false
    }
  }

  function repeat(atom: Matcher, min: number, max: number, lazy: boolean): Matcher {
    return (i, k) => {
      const attempt = (at: number, count: number): boolean => {
        step()
        if (count < min) return atom(at, (j) => attempt(j, count + 1))
        const more = () => count < max && atom(at, (j) => j !== at && attempt(j, count + 1))
        return lazy ? k(at) || more() : more() || k(at)
      }
      return attempt(i, 0)
    }
  }

  function parseAtom(): Matcher & { test?: CharTest } {
    const c = source[pos++]
    switch (c) {
      case '(':
        return parseGroup()
      case '[': {
        // Case folding applies to the class's members, before any negation.
        const negated = eat('^')
        const members = fold(parseClass())
        return charMatcher(negated ? not(members) : members)
      }
      case '.':
        return charMatcher(dotAll ? () => true : not(isLineBreak))
      case '^':
        return (i, k) => (i === 0 || (multiline && isLineBreak(state.input.charCodeAt(i - 1)))) && k(i)
      case '$':
        return (i, k) => (i === state.input.length || (multiline && isLineBreak(state.input.charCodeAt(i)))) && k(i)
      case '\\':
        return parseEscape()
      case '*':
      case '+':
      case '?':
        throw new SyntaxError('nothing to repeat')
      case ')':
        throw new SyntaxError('unmatched )')
      default: {
        const code = c.charCodeAt(0)
        return charMatcher(fold((x) => x === code))
      }
    }
  }

  function parseGroup(): Matcher {
    let kind: 'capture' | 'group' | 'ahead' | 'not-ahead' = 'capture'
    let index = 0
    if (eat('?:')) kind = 'group'
    else if (eat('?=')) kind = 'ahead'
    else if (eat('?!')) kind = 'not-ahead'
    else if (eat('?P<') || (source.startsWith('?<', pos) && source[pos + 2] !== '=' && source[pos + 2] !== '!' && eat('?<'))) {
      const end = source.indexOf('>', pos)
      if (end < 0) throw new SyntaxError('unterminated group name')
      index = ++groupCount
      groupNames.set(source.slice(pos, end), index)
      pos = end + 1
    } else if (peek() === '?') throw new UnsupportedPattern('group kind')
    if (kind === 'capture' && index === 0) index = ++groupCount
    const inner = parseAlternation()
    if (!eat(')')) throw new SyntaxError('unterminated group')
    if (kind === 'group') return inner
    if (kind === 'capture') {
      const n = index
      return (i, k) =>
        inner(i, (j) => {
          const previous = state.captures[n]
          state.captures[n] = [i, j]
          if (k(j)) return true
          state.captures[n] = previous
          return false
        })
    }
    const positive = kind === 'ahead'
    return (i, k) => inner(i, () => true) === positive && k(i)
  }

  /** `\N` or `\k<name>`: the text the group last matched; fails when the group has not matched. */
  function backreference(resolve: () => number): Matcher {
    let group = 0
    pendingReferences.push(() => {
      group = resolve()
    })
    return (i, k) => {
      step()
      const span = state.captures[group]
      if (!span) return false
      const input = state.input
      const length = span[1] - span[0]
      if (i + length > input.length) return false
      for (let d = 0; d < length; d++) {
        step()
        const a = input.charCodeAt(span[0] + d)
        const b = input.charCodeAt(i + d)
        if (a !== b && !(ignoreCase && String.fromCharCode(a).toLowerCase() === String.fromCharCode(b).toLowerCase())) return false
      }
      return k(i + length)
    }
  }

  function parseEscape(): Matcher & { test?: CharTest } {
    const c = source[pos++]
    if (c === undefined) throw new SyntaxError('\\ at end of pattern')
    if (c >= '1' && c <= '9') {
      let digits = c
      while (/[0-9]/.test(source[pos] ?? '')) digits += source[pos++]
      const n = Number(digits)
      return backreference(() => {
        if (n > groupCount) throw new SyntaxError(`no group ${n}`)
        return n
      })
    }
    if (c === 'k' && source[pos] === '<') {
      const end = source.indexOf('>', pos)
      if (end < 0) throw new SyntaxError('unterminated group name')
      const name = source.slice(pos + 1, end)
      pos = end + 1
      return backreference(() => {
        const n = groupNames.get(name)
        if (n === undefined) throw new SyntaxError(`no group named ${name}`)
        return n
      })
    }
    if (c === 'b' || c === 'B') {
      const want = c === 'b'
      return (i, k) => {
        const input = state.input
        const before = i > 0 && isWord(input.charCodeAt(i - 1))
        const after = i < input.length && isWord(input.charCodeAt(i))
        return (before !== after) === want && k(i)
      }
    }
    return charMatcher(fold(escapeTest(c)))
  }

  /** The character test of an escape (after the backslash), inside or outside a class. */
  function escapeTest(c: string): CharTest {
    switch (c) {
      case 'd': return isDigit
      case 'D': return not(isDigit)
      case 'w': return isWord
      case 'W': return not(isWord)
      case 's': return isSpace
      case 'S': return not(isSpace)
      default: {
        const code = escapeCode(c)
        return (x) => x === code
      }
    }
  }

  function escapeCode(c: string): number {
    switch (c) {
      case 'n': return 10
      case 'r': return 13
      case 't': return 9
      case 'f': return 12
      case 'v': return 11
      case '0': return 0
      case 'x':
      case 'u': {
        const len = c === 'x' ? 2 : 4
        const hex = source.slice(pos, pos + len)
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) throw new UnsupportedPattern('escape')
        pos += len
        return parseInt(hex, 16)
      }
      default:
        if (/[A-Za-z1-9]/.test(c)) throw new UnsupportedPattern(`\\${c}`)
        return c.charCodeAt(0)
    }
  }

  /** The members of a class, after `[` (and `^`), up to and including `]`. */
  function parseClass(): CharTest {
    const tests: CharTest[] = []
    while (peek() !== ']') {
      if (pos >= source.length) throw new SyntaxError('unterminated character class')
      let lowCode: number
      const c = source[pos++]
      if (c === '\\') {
        const e = source[pos++]
        if (e === undefined) throw new SyntaxError('\\ at end of pattern')
        if ('dDwWsS'.includes(e)) {
          tests.push(escapeTest(e))
          continue
        }
        lowCode = e === 'b' ? 8 : escapeCode(e)
      } else {
        lowCode = c.charCodeAt(0)
      }
      if (peek() === '-' && source[pos + 1] !== ']' && pos + 1 < source.length) {
        pos++
        let highCode: number
        const h = source[pos++]
        if (h === '\\') {
          const e = source[pos++]
          if (e === undefined || 'dDwWsS'.includes(e)) throw new UnsupportedPattern('class range')
          highCode = e === 'b' ? 8 : escapeCode(e)
        } else highCode = h.charCodeAt(0)
        if (highCode < lowCode) throw new SyntaxError('range out of order in character class')
        const lo = lowCode
        tests.push((x) => x >= lo && x <= highCode)
      } else {
        const code = lowCode
        tests.push((x) => x === code)
      }
    }
    pos++ // the closing ]
    return (x) => {
      for (const t of tests) if (t(x)) return true
      return false
    }
  }

  const root = parseAlternation()
  if (pos < source.length) throw new SyntaxError('unmatched )')
  for (const resolve of pendingReferences) resolve()
  // A pattern that opens with `.*` and has no top-level alternation matches from position 0
  // whenever it matches anywhere (the `.*` absorbs the prefix), so one start suffices when the
  // value has no line breaks for `.` to stop at.
  const leadingDotStar = /^\.\*\??/.test(source) && !hasTopLevelAlternation(source)
  // A leading `^` (without the `m` flag) can only match at position 0.
  const anchored = source.startsWith('^') && !multiline && !hasTopLevelAlternation(source)

  return {
    get lastSteps() {
      return state.steps
    },
    test(input: string, limit = defaultBudget): boolean | undefined {
      budget = limit
      state.input = input
      state.steps = 0
      state.captures = []
      try {
        const last = anchored || (leadingDotStar && (dotAll || !/[\n\r\u2028\u2029]/.test(input))) ? 0 : input.length
        for (let start = 0; start <= last; start++) {
          step() // each start position is work too (a pattern failing at once still costs it)
          if (root(start, () => true)) return true
        }
        return false
      } catch (err) {
        if (err === OUT_OF_BUDGET || err instanceof RangeError) return undefined
        throw err
      } finally {
        state.input = ''
      }
    },
  }
}

/** Whether `|` appears outside any group and class. */
function hasTopLevelAlternation(source: string): boolean {
  let depth = 0
  let inClass = false
  for (let i = 0; i < source.length; i++) {
    const c = source[i]
    if (c === '\\') i++
    else if (inClass) inClass = c !== ']'
    else if (c === '[') inClass = true
    else if (c === '(') depth++
    else if (c === ')') depth--
    else if (c === '|' && depth === 0) return true
  }
  return false
}
