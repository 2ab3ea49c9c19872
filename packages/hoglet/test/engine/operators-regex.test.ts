import { describe, expect, it } from 'vitest'
import { compileGuardedRegex, createRegexBudget, EVALUATION_STEP_BUDGET, nativeInputLimit, regexHazard } from '../../src/engine/operators-regex.js'
import { compileFlags, evaluateAllFlags, evaluateFlag } from '../../src/engine/engine.js'
import { flagWith, verdict } from './engine-test-helpers.js'
import { compileBudgeted } from '../../src/engine/operators-regex-engine.js'

describe('regex hazard analysis', () => {
  it('finds nothing in everyday patterns', () => {
    for (const p of ['^user-\\d+$', '@(gmail|yahoo)\\.com$', '^https?://(www\\.)?example\\.com/.*', '[a-z]{2,3}-\\d{4}', '^(?:foo)?bar', '\\bword\\b', '(?i)^admin', 'a{2}(bc){3}', '([*+]x)+', '(\\+\\d)+', '[(]a+[)]']) {
      expect(regexHazard(p), p).toBeUndefined()
    }
  })

  it('flags nested quantifiers and quantified alternations', () => {
    for (const p of ['(a+)+', '(a*)*b', '(a|aa)*', '((ab)+c)*', '(\\w+\\s?)*$', '(.*a){12}', '(?:x+y?)+', '(a|b){2,}']) {
      expect(regexHazard(p), p).toBe('nested quantifier')
    }
  })

  it('flags several unbounded quantifiers, backreferences and huge patterns', () => {
    expect(regexHazard('.*a.*b')).toBe('several unbounded quantifiers')
    expect(regexHazard('^\\w+@\\w+$')).toBe('several unbounded quantifiers')
    expect(regexHazard('(a)\\1')).toBe('backreference')
    expect(regexHazard('(?<x>a)\\k<x>')).toBe('backreference')
    expect(regexHazard('x'.repeat(1001))).toBe('too long')
  })
})

describe('native engine limits', () => {
  it('shrink with the number of unbounded quantifiers, keeping worst-case backtracking near 10^6 steps', () => {
    expect(nativeInputLimit('^user-\\d{4}$')).toBe(1_000_000)
    expect(nativeInputLimit('@example\\.com$')).toBe(1_000_000)
    expect(nativeInputLimit('.*@example\\.com$')).toBe(1000)
    expect(nativeInputLimit('^\\w+@\\w+$')).toBe(100)
    expect(nativeInputLimit('^\\w+@\\w+\\.\\w+$')).toBe(31)
    expect(nativeInputLimit('a{1,100}b')).toBe(1000)
  })
  it('are closed for nested quantifiers and backreferences', () => {
    expect(nativeInputLimit('(a+)+')).toBe(-1)
    expect(nativeInputLimit('(a)\\1')).toBe(-1)
  })
})

describe('guarded regex', () => {
  it('refuses syntax errors and verbose mode', () => {
    for (const p of ['(', '[z-a]', 'a**', '(?x) a b', '\\2(a)']) expect(compileGuardedRegex(p)?.test('aa'), p).toBeUndefined()
  })

  it('runs backreferences on the budgeted matcher', () => {
    expect(compileGuardedRegex('(a)\\1')!.test('baab')).toBe(true)
    expect(compileGuardedRegex('(a)\\1')!.test('abab')).toBe(false)
    expect(compileGuardedRegex('^(a+)+\\1$')!.test('a'.repeat(30) + '!')).toBeUndefined()
  })

  it('translates Python inline flags and named groups', () => {
    expect(compileGuardedRegex('(?i)abc')!.test('xABC')).toBe(true)
    expect(compileGuardedRegex('(?P<n>\\d)x')!.test('a1x')).toBe(true)
  })

  it('answers hostile inputs within its budget instead of hanging', () => {
    const input = 'a'.repeat(9_000) + '!'
    for (const p of ['(a+)+$', '(a|aa)*$', 'a*a*a*$', '^(\\w+\\s?)*$', '.*a.*b.*c', '(.*a){12}b']) {
      const re = compileGuardedRegex(p)
      expect(re, p).toBeDefined()
      const started = Date.now()
      const answer = re!.test(input)
      expect(answer === undefined || answer === false, p).toBe(true)
      expect(Date.now() - started, p).toBeLessThan(10_000) // a generous bound: the point is "finishes"
    }
  })

  it('answers everyday patterns on both sides of the native limit', () => {
    const email = compileGuardedRegex('^\\w+@\\w+\\.\\w+$')!
    expect(email.test('ann@example.com')).toBe(true) // native (≤ 31 characters)
    expect(email.test(`${'a'.repeat(60)}@example.com`)).toBe(true) // budgeted matcher
    expect(email.test(`${'a'.repeat(60)}@example`)).toBe(false)
  })

  it('still finds real matches in long values through the budgeted matcher', () => {
    const long = 'x'.repeat(5000) + 'user@example.com'
    expect(compileGuardedRegex('@example\\.com$')!.test(long)).toBe(true)
    expect(compileGuardedRegex('^x+user@\\w+\\.com$')!.test(long)).toBe(true)
    expect(compileGuardedRegex('.*@example.*')!.test(long)).toBe(true)
  })

  it('answers a leading .* pattern on a long value in one pass', () => {
    const long = `https://shop.example.com/${'p/'.repeat(2400)}?utm_source=news&ref=google`
    expect(compileGuardedRegex('.*utm_source=.*google')!.test(long)).toBe(true)
    expect(compileGuardedRegex('.*utm_source=.*bing')!.test(long)).toBe(false)
    expect(compileBudgeted('.*b|a', '', 1000).test('xxa')).toBe(true) // top-level alternation: every start
    expect(compileBudgeted('.*b', '', 1000).test('x\nb')).toBe(true) // line break: every start
  })

  it('does not search values over 10 000 characters', () => {
    expect(compileGuardedRegex('a')!.test('a'.repeat(10_001))).toBeUndefined()
  })
})

describe('budgeted matcher agrees with the native engine', () => {
  const patterns = [
    'abc', '^abc$', 'a.c', 'a.*c', 'a.*?c', '^a+b*c?$', 'x{2}', 'x{2,}', 'x{1,3}y', '(ab|cd)+e', '(?:ab)?c',
    '[a-c]+', '[^a-c]+$', '[\\d.]+', '\\d{3}-\\d{4}', '\\w+@\\w+\\.com', '\\s+', '\\S+$', '\\bfoo\\b', '\\Bar',
    'foo(?=bar)', 'foo(?!bar)', '^(a|ab)(c|bcd)(d*)$', '(a*)*b', '(a|b)*c', 'colou?r', '[-a]', '[a-]', '\\.', '\\$\\d+',
    '^$', '', 'a|b|', '(?<name>z)+', '.*c', '.*?b$', '.*(a|b)c', '.*\\bbar', '.*^abc', '[\\]]', '[\\-x]', 'é+', '\\x41', '\\u00e9',
  ]
  const inputs = ['', 'abc', 'xabcx', 'aac', 'ac', 'abbbc', 'xx', 'xxxy', 'ababe', 'cde', 'abcdcde', '12.5', '555-1234', 'me@site.com', ' \t', 'foo bar', 'foobar', 'bar', 'color', 'colour', 'a-', '$42', 'ééé', 'A', 'abcd', 'aaab', 'z', ']', '-']

  for (const flags of ['', 'i', 'm', 's']) {
    it(`on ${patterns.length} patterns × ${inputs.length} inputs with flags "${flags}"`, () => {
      for (const p of patterns) {
        const native = new RegExp(p, flags)
        const budgeted = compileBudgeted(p, flags, 1_000_000)
        for (const s of [...inputs, ...inputs.map((x) => x.toUpperCase()), 'line1\nabc', 'a\nc']) {
          expect(budgeted.test(s), `/${p}/${flags} on ${JSON.stringify(s)}`).toBe(native.test(s))
        }
      }
    })
  }
})

describe('one regex step budget per evaluation', () => {
  // `^(a+)+b` on 14 a's: no match after 65,534 steps of the budgeted matcher (under the 100,000 of one search).
  const costly = { key: 'email', value: '^(a+)+b', operator: 'regex' as const, type: 'person' as const }
  const value = 'a'.repeat(14)
  const perSearch = 65_534

  it('is shared by the searches made with it: native ones charged their worst case, budgeted ones their steps', () => {
    const budget = createRegexBudget()
    expect(budget.steps).toBe(EVALUATION_STEP_BUDGET)
    const native = compileGuardedRegex('@example\\.com$')! // no unbounded quantifier: charged n + 1
    expect(native.test('ann@example.com', budget)).toBe(true)
    expect(budget.steps).toBe(EVALUATION_STEP_BUDGET - 16) // (15 + 1)^1
    const dotStar = compileGuardedRegex('^.*@example\\.com$')! // one unbounded quantifier: (n + 1)^2
    expect(dotStar.test('ann@example.com', budget)).toBe(true)
    expect(budget.steps).toBe(EVALUATION_STEP_BUDGET - 16 - 256)
    const nested = compileGuardedRegex(costly.value)!
    expect(nested.test(value, budget)).toBe(false)
    expect(budget.steps).toBe(EVALUATION_STEP_BUDGET - 16 - 256 - perSearch)
    // Spent: every later search of the evaluation has no answer, even a cheap one.
    budget.steps = 10
    expect(dotStar.test('ann@example.com', budget)).toBeUndefined()
    expect(nested.test(value, budget)).toBeUndefined()
    // Without a shared budget each search has its own.
    expect(nested.test(value)).toBe(false)
  })

  it('bounds one evaluateAllFlags over 5,000 costly regex flags; a flag evaluated alone still decides', () => {
    const flags = Array.from({ length: 5000 }, (_, i) => flagWith([costly], `regex-${i}`))
    const compiled = compileFlags({ flags }, { mode: 'local' })
    const subject = { distinctId: 'u', personProperties: { email: value } }
    const budget = createRegexBudget()
    const { results, inconclusive } = evaluateAllFlags(compiled, subject, undefined, budget)
    const decided = Object.keys(results).length
    // As many searches as the shared budget pays for, then the rest are left to the server.
    expect(decided).toBe(Math.floor(EVALUATION_STEP_BUDGET / perSearch))
    expect(Object.values(results).every((r) => r.enabled === false)).toBe(true)
    expect(inconclusive).toHaveLength(5000 - decided)
    expect(budget.steps).toBeLessThanOrEqual(0)
    // Each call without a budget argument has a budget of its own.
    expect(verdict(compiled, 'regex-4999', subject)).toBe(false)
    // A budget passed on is shared: a spent one decides nothing more.
    expect(evaluateFlag(compiled, 'regex-4999', subject, budget).kind).toBe('inconclusive')
  })
})

describe('budgeted matcher start positions', () => {
  it('counts a step per start position, and tries only position 0 after a leading ^ (not under m)', () => {
    const anchored = compileBudgeted('^ab+c', '', 100_000)
    expect(anchored.test('x'.repeat(9999))).toBe(false)
    expect(anchored.lastSteps).toBeLessThan(5)
    expect(anchored.test('abbbc…')).toBe(true)
    const multiline = compileBudgeted('^ab+c', 'm', 100_000)
    expect(multiline.test('x'.repeat(9999) + '\nabc')).toBe(true)
    expect(multiline.lastSteps).toBeGreaterThan(10_000)
    const alternation = compileBudgeted('^x|ab+c', '', 100_000)
    expect(alternation.test('zzabc')).toBe(true)
    const unanchored = compileBudgeted('ab+c', '', 100_000)
    expect(unanchored.test('x'.repeat(9999))).toBe(false)
    expect(unanchored.lastSteps).toBeGreaterThanOrEqual(10_000)
  })
})
