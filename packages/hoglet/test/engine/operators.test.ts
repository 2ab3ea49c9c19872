import { describe, expect, it } from 'vitest'
import { compileFlags, evaluateFlag } from '../../src/engine/engine.js'
import { check } from './engine-test-helpers.js'

const local = (operator: string, value: unknown, props: Record<string, unknown>) => check({ key: 'p', operator, value }, props)
const server = (operator: string, value: unknown, props: Record<string, unknown>) => check({ key: 'p', operator, value }, props, { mode: 'server' })

describe('missing properties', () => {
  const operators = ['exact', 'is_not', 'is_set', 'is_not_set', 'icontains', 'not_icontains', 'regex', 'not_regex', 'gt', 'lte', 'between', 'is_date_before', 'semver_eq', 'starts_with', 'not_ends_with']
  it('are inconclusive locally for every operator', () => {
    for (const op of operators) expect(local(op, op === 'between' ? [1, 2] : 'x', { other: 1 }), op).toBe('inconclusive')
  })
  it('are simply not set on the server: is_not_set and the negated operators match', () => {
    const matchWhenNotSet = new Set(['is_not', 'is_not_set', 'not_icontains', 'not_regex', 'not_ends_with'])
    for (const op of operators) expect(server(op, op === 'between' ? [1, 2] : 'x', {}), op).toBe(matchWhenNotSet.has(op))
    expect(server('not_between', [1, 2], {})).toBe(true)
    // A negated operator without a filter value still does not match.
    expect(check({ key: 'p', operator: 'is_not' }, {}, { mode: 'server' })).toBe(false)
  })
  it('treat a prototype member name as absent, not as a function value', () => {
    expect(check({ key: 'toString', operator: 'is_set', value: true }, {})).toBe('inconclusive')
    expect(check({ key: 'constructor', operator: 'exact', value: 'x' }, {}, { mode: 'server' })).toBe(false)
  })
  it('default distinct_id to the subject’s distinct id', () => {
    expect(check({ key: 'distinct_id', operator: 'exact', value: 'USER-1' }, {})).toBe(true)
    expect(check({ key: 'distinct_id', operator: 'exact', value: 'user-1' }, { distinct_id: 'other' })).toBe(false)
  })
})

describe('is_set / is_not_set', () => {
  it('is_set is true for any present value, including null', () => {
    for (const v of ['', 0, false, null, [], {}]) expect(local('is_set', true, { p: v })).toBe(true)
  })
  it('is_not_set is false when present, inconclusive when absent locally', () => {
    expect(local('is_not_set', true, { p: null })).toBe(false)
    expect(local('is_not_set', true, {})).toBe('inconclusive')
  })
})

describe('exact / is_not', () => {
  it('compare string forms case-insensitively (ASCII)', () => {
    expect(local('exact', 'Enterprise', { p: 'enterprise' })).toBe(true)
    expect(local('exact', 'enterprise', { p: 'enterprise ' })).toBe(false)
    expect(local('is_not', 'Enterprise', { p: 'ENTERPRISE' })).toBe(false)
    expect(local('is_not', 'free', { p: 'enterprise' })).toBe(true)
  })
  it('lower-case with Unicode rules (not case folding)', () => {
    expect(local('exact', 'ÉCOLE', { p: 'école' })).toBe(true)
    expect(local('exact', ['ÉCOLE', 'x'], { p: 'École' })).toBe(true)
    expect(local('exact', 'straße', { p: 'strasse' })).toBe(false)
  })
  it('compare numbers through their JSON text', () => {
    expect(local('exact', 5, { p: '5' })).toBe(true)
    expect(local('exact', '1.5', { p: 1.5 })).toBe(true)
    expect(local('exact', '1.0', { p: 1 })).toBe(false)
    expect(local('exact', 1, { p: 1.0 })).toBe(true)
  })
  it('treat boolean-like filter values by truthiness', () => {
    expect(local('exact', true, { p: 'True' })).toBe(true)
    expect(local('exact', 'true', { p: true })).toBe(true)
    expect(local('exact', 'FALSE', { p: false })).toBe(true)
    expect(local('exact', ['true'], { p: 'TRUE' })).toBe(true)
    // An array filter is true-like only when every element is: [true, false] is false-like.
    expect(local('exact', [true, false], { p: 'false' })).toBe(true)
    expect(local('exact', [true, false], { p: 'true' })).toBe(false)
    // A false-like filter matches any property that is not true-like.
    expect(local('exact', false, { p: 'yes' })).toBe(true)
    expect(local('exact', ['true', 'x'], { p: 'x' })).toBe(true)
    expect(local('exact', true, { p: 'yes' })).toBe(false)
    expect(local('is_not', true, { p: false })).toBe(true)
    expect(local('is_not', 'true', { p: 'True' })).toBe(false)
  })
  it('match any element of an array filter value', () => {
    expect(local('exact', ['free', 'Pro'], { p: 'pro' })).toBe(true)
    expect(local('exact', ['free', 'pro'], { p: 'team' })).toBe(false)
    expect(local('is_not', ['free', 'pro'], { p: 'team' })).toBe(true)
    expect(local('exact', [1, 2], { p: '2' })).toBe(true)
  })
  it('see a present null as the text "null"', () => {
    expect(local('exact', 'null', { p: null })).toBe(true)
    expect(local('is_not', 'x', { p: null })).toBe(true)
  })
  it('never match when the filter has no value', () => {
    expect(local('exact', null, { p: 'x' })).toBe(false)
    expect(local('is_not', undefined, { p: 'x' })).toBe(false)
  })
  it('compare objects and arrays through their JSON text', () => {
    expect(local('exact', '{"a":1}', { p: { a: 1 } })).toBe(true)
    expect(local('exact', '[1,2]', { p: [1, 2] })).toBe(true)
  })
})

describe('contains / starts / ends', () => {
  it('work case-insensitively on string forms', () => {
    expect(local('icontains', 'EXAMPLE.com', { p: 'a@Example.COM' })).toBe(true)
    expect(local('not_icontains', 'example', { p: 'a@Example.com' })).toBe(false)
    expect(local('not_icontains', 'gmail', { p: 'a@Example.com' })).toBe(true)
    expect(local('starts_with', 'HTTPS://', { p: 'https://x' })).toBe(true)
    expect(local('not_starts_with', 'https', { p: 'http://x' })).toBe(true)
    expect(local('ends_with', '.COM', { p: 'a.com' })).toBe(true)
    expect(local('not_ends_with', '.com', { p: 'a.com' })).toBe(false)
  })
  it('apply to numbers and booleans through their text', () => {
    expect(local('icontains', 23, { p: 1234 })).toBe(true)
    expect(local('icontains', 'ru', { p: true })).toBe(true)
    expect(local('starts_with', '1.', { p: 1.5 })).toBe(true)
  })
  it('do not fold Unicode case', () => {
    expect(local('icontains', 'É', { p: 'école' })).toBe(false)
  })
  it('icontains_multi matches any element; not_icontains_multi matches none', () => {
    expect(local('icontains_multi', ['gmail', 'YAHOO'], { p: 'a@yahoo.com' })).toBe(true)
    expect(local('icontains_multi', ['gmail', 'yahoo'], { p: 'a@corp.com' })).toBe(false)
    expect(local('not_icontains_multi', ['gmail', 'yahoo'], { p: 'a@corp.com' })).toBe(true)
    expect(local('not_icontains_multi', ['gmail', 'yahoo'], { p: 'a@GMAIL.com' })).toBe(false)
    expect(local('icontains_multi', 'solo', { p: 'the solo one' })).toBe(true)
  })
})

describe('regex / not_regex', () => {
  it('search the string form', () => {
    expect(local('regex', '^user-\\d+$', { p: 'user-42' })).toBe(true)
    expect(local('regex', '@example\\.com$', { p: 'a@example.org' })).toBe(false)
    expect(local('not_regex', '@example\\.com$', { p: 'a@example.org' })).toBe(true)
    expect(local('regex', '^4\\d$', { p: 42 })).toBe(true)
    expect(local('regex', 'true', { p: true })).toBe(true)
  })
  it('are case-sensitive unless the pattern says (?i)', () => {
    expect(local('regex', 'abc', { p: 'ABC' })).toBe(false)
    expect(local('regex', '(?i)abc', { p: 'xABCx' })).toBe(true)
  })
  it('accept Python named groups', () => {
    expect(local('regex', '(?P<id>\\d+)', { p: 'id 7' })).toBe(true)
  })
  it('give false for both operators when the pattern is invalid', () => {
    expect(local('regex', '(unclosed', { p: 'x' })).toBe(false)
    expect(local('not_regex', '(unclosed', { p: 'x' })).toBe(false)
  })
  it('give up on catastrophic backtracking instead of hanging (an error: inconclusive locally, false on the server)', () => {
    const evil = 'a'.repeat(40) + '!'
    for (const pattern of ['(a+)+$', '(a|aa)*$', '(\\w+\\s?)*$', '^(a*)*b', '(.*a){12}b']) {
      expect(local('regex', pattern, { p: evil }), pattern).toBe('inconclusive')
      expect(local('not_regex', pattern, { p: evil }), pattern).toBe('inconclusive')
      expect(server('regex', pattern, { p: evil }), pattern).toBe(false)
      expect(server('not_regex', pattern, { p: evil }), pattern).toBe(false)
    }
  })
  it('support backreferences', () => {
    expect(local('regex', '(\\w)\\1', { p: 'hello' })).toBe(true)
    expect(local('regex', '(?<w>ab)-\\k<w>', { p: 'ab-ab' })).toBe(true)
    expect(local('not_regex', '(\\w)\\1', { p: 'helo' })).toBe(true)
  })
  it('do not search over-long values', () => {
    expect(local('regex', 'a', { p: 'a'.repeat(20_000) })).toBe('inconclusive')
    expect(server('not_regex', 'b', { p: 'a'.repeat(20_000) })).toBe(false)
  })
})

describe('gt / gte / lt / lte', () => {
  it('compare numbers and numeric strings numerically', () => {
    expect(local('gt', 10, { p: 11 })).toBe(true)
    expect(local('gt', '10', { p: '9' })).toBe(false)
    expect(local('lt', '30', { p: '100' })).toBe(false)
    expect(local('lt', 30, { p: 100 })).toBe(false)
    expect(local('gte', 5, { p: '5' })).toBe(true)
    expect(local('lte', '1e3', { p: 999.5 })).toBe(true)
    expect(local('gt', -1, { p: '-0.5' })).toBe(true)
  })
  it('are an error for non-numeric values: inconclusive locally, no match on the server', () => {
    expect(local('gt', '123aloha', { p: 129 })).toBe('inconclusive')
    expect(local('gt', 1, { p: 'abc' })).toBe('inconclusive')
    expect(local('gt', 1, { p: true })).toBe('inconclusive')
    expect(local('gt', 1, { p: null })).toBe('inconclusive')
    expect(server('gt', 1, { p: 'abc' })).toBe(false)
    expect(server('lt', 'abc', { p: 1 })).toBe(false)
  })
})

describe('between / not_between', () => {
  it('are inclusive of both ends', () => {
    expect(local('between', [1, 10], { p: 1 })).toBe(true)
    expect(local('between', [1, 10], { p: '10' })).toBe(true)
    expect(local('between', [1, 10], { p: 10.01 })).toBe(false)
    expect(local('not_between', [1, 10], { p: 11 })).toBe(true)
    expect(local('not_between', [1, 10], { p: 5 })).toBe(false)
  })
  it('a non-numeric value is an error, a NaN one matches neither', () => {
    expect(local('between', [1, 10], { p: 'abc' })).toBe('inconclusive')
    expect(server('not_between', [1, 10], { p: 'abc' })).toBe(false)
    expect(local('between', [1, 10], { p: 'NaN' })).toBe(false)
    expect(local('not_between', [1, 10], { p: 'NaN' })).toBe(false)
  })
  it('accept numeric-string bounds', () => {
    expect(local('between', ['1', '10'], { p: 5 })).toBe(true)
    expect(local('not_between', ['1', '1e1'], { p: 11 })).toBe(true)
  })
  it('a malformed range is an error', () => {
    expect(local('between', [10, 1], { p: 5 })).toBe('inconclusive')
    expect(local('between', [1], { p: 5 })).toBe('inconclusive')
    expect(local('between', 'x', { p: 5 })).toBe('inconclusive')
    expect(server('between', [10, 1], { p: 5 })).toBe(false)
  })
})

describe('semver operators', () => {
  it('compare versions with v prefixes, padding and leading zeros', () => {
    expect(local('semver_eq', '1.2.0', { p: 'v1.2' })).toBe(true)
    expect(local('semver_eq', '1.2.3', { p: '01.02.03' })).toBe(true)
    expect(local('semver_neq', '1.2.3', { p: '1.2.4' })).toBe(true)
    expect(local('semver_gt', '1.2.3', { p: '1.10.0' })).toBe(true)
    expect(local('semver_gte', '1.2.3', { p: '1.2.3' })).toBe(true)
    expect(local('semver_lt', '2.0.0', { p: '1.99.99' })).toBe(true)
    expect(local('semver_lte', '1.2.3', { p: '1.2.4' })).toBe(false)
  })
  it('keep pre-release precedence (1.2.3-beta < 1.2.3)', () => {
    expect(local('semver_lt', '1.2.3', { p: '1.2.3-beta' })).toBe(true)
    expect(local('semver_eq', '1.2.3', { p: '1.2.3-beta' })).toBe(false)
    expect(local('semver_gt', '1.2.3-alpha', { p: '1.2.3-beta' })).toBe(true)
    expect(local('semver_gt', '1.2.3-alpha.2', { p: '1.2.3-alpha.10' })).toBe(true)
    // Build metadata takes part in equality, as in the server's semver library.
    expect(local('semver_eq', '1.2.3', { p: '1.2.3+build.5' })).toBe(false)
    expect(local('semver_gte', '1.2.3', { p: '1.2.3+build.5' })).toBe(true)
  })
  it('tilde, caret and wildcard ranges', () => {
    expect(local('semver_tilde', '1.2.3', { p: '1.2.9' })).toBe(true)
    expect(local('semver_tilde', '1.2.3', { p: '1.3.0' })).toBe(false)
    expect(local('semver_tilde', '1.2.3', { p: '1.2.2' })).toBe(false)
    expect(local('semver_caret', '1.2.3', { p: '1.9.0' })).toBe(true)
    expect(local('semver_caret', '1.2.3', { p: '2.0.0' })).toBe(false)
    expect(local('semver_caret', '0.2.3', { p: '0.2.9' })).toBe(true)
    expect(local('semver_caret', '0.2.3', { p: '0.3.0' })).toBe(false)
    expect(local('semver_caret', '0.0.3', { p: '0.0.4' })).toBe(false)
    expect(local('semver_wildcard', '1.2.*', { p: '1.2.7' })).toBe(true)
    expect(local('semver_wildcard', '1.2.*', { p: '1.3.0' })).toBe(false)
    expect(local('semver_wildcard', '1.*', { p: '1.99.0' })).toBe(true)
    expect(local('semver_wildcard', '1.*', { p: '2.0.0' })).toBe(false)
    expect(local('semver_wildcard', '*', { p: '7.0.0' })).toBe(true)
    expect(local('semver_tilde', '1.2.0', { p: '1.3.0-beta' })).toBe(false)
  })
  it('an unparseable property value is false; an unparseable filter value is an error', () => {
    expect(local('semver_eq', '1.2.3', { p: 'banana' })).toBe(false)
    expect(local('semver_neq', '1.2.3', { p: 'banana' })).toBe(false)
    expect(local('semver_gt', '1.2.3', { p: true })).toBe(false)
    expect(local('semver_gt', 'banana', { p: '1.2.3' })).toBe('inconclusive')
    expect(local('semver_wildcard', '1.x.2', { p: '1.2.3' })).toBe('inconclusive')
    expect(server('semver_gt', 'banana', { p: '1.2.3' })).toBe(false)
  })
})

describe('date operators', () => {
  const now = Date.UTC(2026, 0, 31, 12, 0, 0)
  const at = (operator: string, value: unknown, p: unknown, timezone?: string) =>
    check({ key: 'p', operator, value }, { p }, { now: () => now, timezone })

  it('compare absolute dates strictly', () => {
    expect(at('is_date_before', '2026-01-01', '2025-12-31T23:59:59Z')).toBe(true)
    expect(at('is_date_before', '2026-01-01', '2026-01-01T00:00:00Z')).toBe(false)
    expect(at('is_date_after', '2026-01-01', '2026-01-01T00:00:01Z')).toBe(true)
    expect(at('is_date_after', '2026-01-01T10:00:00+02:00', '2026-01-01T08:30:00Z')).toBe(true)
  })
  it('anchor relative dates to now, with calendar months clamped to the month end', () => {
    expect(at('is_date_after', '-7d', '2026-01-25T00:00:00Z')).toBe(true)
    expect(at('is_date_after', '-7d', '2026-01-24T11:59:59Z')).toBe(false)
    expect(at('is_date_before', '-1m', '2025-12-30T12:00:00Z')).toBe(true) // Jan 31 - 1 month = Dec 31
    expect(at('is_date_before', '-1m', '2025-12-31T12:00:01Z')).toBe(false)
    expect(at('is_date_after', '-2h', '2026-01-31T10:30:00Z')).toBe(true)
    expect(at('is_date_before', '-1y', '2025-01-30')).toBe(true)
    expect(at('is_date_after', '-1w', '2026-01-24T12:00:01Z')).toBe(true)
  })
  it('read naive dates in the project timezone', () => {
    // 2026-01-01 00:00 in New York is 05:00 UTC.
    expect(at('is_date_before', '2026-01-01', '2026-01-01T04:00:00Z', 'America/New_York')).toBe(true)
    expect(at('is_date_before', '2026-01-01', '2026-01-01T04:00:00Z')).toBe(false)
    // Summer offset (-04:00) as well.
    expect(at('is_date_after', '2026-07-01 00:00:00', '2026-07-01T04:00:01Z', 'America/New_York')).toBe(true)
    expect(at('is_date_after', '2026-07-01 00:00:00', '2026-07-01T03:59:59Z', 'America/New_York')).toBe(false)
  })
  it('is_date_exact compares instants (a date-only filter is midnight)', () => {
    expect(at('is_date_exact', '2026-01-15', '2026-01-15T00:00:00Z')).toBe(true)
    expect(at('is_date_exact', '2026-01-15', '2026-01-15T23:00:00Z')).toBe(false)
    expect(at('is_date_exact', '2026-01-15T10:00:00Z', '2026-01-15T12:00:00+02:00')).toBe(true)
  })
  it('read numbers and numeric strings (a bare year too) as epoch seconds, and an unknown timezone as UTC', () => {
    expect(at('is_date_before', '1971-01-01', '2026')).toBe(true) // 2026 s after the epoch
    expect(at('is_date_after', '2023-11-14T22:13:19Z', 1_700_000_000)).toBe(true)
    expect(at('is_date_before', '2026-01-01', '2026-01-01T04:00:00Z', 'Not/AZone')).toBe(false)
  })
  it('find no date in a DST gap, and the earlier instant in a DST overlap', () => {
    expect(at('is_date_after', '2026-03-08 02:30:00', '2000-01-01T00:00:00Z', 'America/New_York')).toBe(false)
    expect(at('is_date_exact', '2026-11-01 01:30:00', '2026-11-01T05:30:00Z', 'America/New_York')).toBe(true)
  })
  it('take "now" from the compile option, once per evaluation', () => {
    let calls = 0
    const clock = () => {
      calls++
      return now
    }
    const filters = [
      { key: 'a', type: 'person', operator: 'is_date_after', value: '-1d' },
      { key: 'b', type: 'person', operator: 'is_date_after', value: '-1d' },
    ]
    const compiled = compileFlags({ flags: [{ id: 1, key: 'f', active: true, filters: { groups: [{ properties: filters }] } }] }, { now: clock })
    calls = 0
    const e = evaluateFlag(compiled, 'f', { distinctId: 'u', personProperties: { a: '2026-01-31T00:00:00Z', b: '2026-01-30T13:00:00Z' } })
    expect(e.kind === 'evaluated' && e.result.value).toBe(true)
    expect(calls).toBe(1)
  })
  it('an unparseable property or filter value is false', () => {
    expect(at('is_date_before', '2026-01-01', 'yesterday')).toBe(false)
    expect(at('is_date_before', 'not a date', '2020-01-01')).toBe(false)
    expect(at('is_date_after', '2026-02-30', '2026-03-01')).toBe(false)
    expect(at('is_date_after', '-10000d', '2026-01-01')).toBe(false)
  })
})

describe('unknown operators', () => {
  it('are inconclusive locally and do not match on the server', () => {
    expect(local('fuzzy_match', 'x', { p: 'x' })).toBe('inconclusive')
    expect(server('fuzzy_match', 'x', { p: 'x' })).toBe(false)
  })
})

describe('the project timezone', () => {
  const flag = { id: 1, key: 'f', active: true, filters: { groups: [{ properties: [{ key: 'd', type: 'person', operator: 'is_date_after', value: '2024-06-01' }] }] } }
  const person = { d: '2024-06-01T03:00:00Z' } // after UTC midnight, before Pacific midnight
  const value = (compiled: ReturnType<typeof compileFlags>) => {
    const e = evaluateFlag(compiled, 'f', { distinctId: 'u', personProperties: person })
    return e.kind === 'evaluated' ? e.result.enabled : e.kind
  }
  it('comes from the definitions when they carry it, over the compile option', () => {
    expect(value(compileFlags({ flags: [flag], timezone: 'America/Los_Angeles' }, { timezone: 'UTC' }))).toBe(false)
    expect(value(compileFlags({ flags: [flag] }, { timezone: 'America/Los_Angeles' }))).toBe(false)
    expect(value(compileFlags({ flags: [flag] }))).toBe(true)
  })
})
