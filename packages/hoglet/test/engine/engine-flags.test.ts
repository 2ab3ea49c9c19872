import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { compileFlags, evaluateAllFlags, evaluateFlag } from '../../src/engine/engine.js'
import type { FlagDefinition, FlagDefinitionsResponse, LocalFlagResult } from '../../src/engine/engine.js'
import { verdict } from './engine-test-helpers.js'

/** The reference hash, computed independently with node:crypto and BigInt. */
function refHash(s: string): number {
  return Number(BigInt(`0x${createHash('sha1').update(s, 'utf8').digest('hex').slice(0, 15)}`)) / 2 ** 60
}

function evaluated(defs: FlagDefinitionsResponse, key: string, subject: Parameters<typeof evaluateFlag>[2], mode: 'local' | 'server' = 'local'): LocalFlagResult {
  const e = evaluateFlag(compileFlags(defs, { mode }), key, subject)
  if (e.kind !== 'evaluated') throw new Error(`${key}: ${e.kind}${e.kind === 'inconclusive' ? ` (${e.why})` : ''}`)
  return e.result
}

const plan = (value: unknown) => ({ key: 'plan', type: 'person', operator: 'exact', value })
const variants3 = { variants: [{ key: 'control', rollout_percentage: 50 }, { key: 'compact', rollout_percentage: 25 }, { key: 'spacious', rollout_percentage: 25 }] }

describe('rollout and variants', () => {
  it('includes a subject exactly when hash ≤ rollout / 100', () => {
    const flag: FlagDefinition = { id: 1, key: 'roll', active: true, filters: { groups: [{ properties: [], rollout_percentage: 37 }] } }
    const compiled = compileFlags({ flags: [flag] })
    for (let i = 0; i < 300; i++) {
      const id = `u${i}`
      expect(verdict(compiled, 'roll', { distinctId: id })).toBe(refHash(`roll.${id}`) <= 0.37)
    }
  })

  it('rollout 0 excludes everyone with a non-empty id; null and 100 include everyone', () => {
    const mk = (rollout: number | null) => compileFlags({ flags: [{ id: 1, key: 'r', active: true, filters: { groups: [{ properties: [], rollout_percentage: rollout }] } }] })
    for (let i = 0; i < 50; i++) {
      expect(verdict(mk(0), 'r', { distinctId: `u${i}` })).toBe(false)
      expect(verdict(mk(null), 'r', { distinctId: `u${i}` })).toBe(true)
      expect(verdict(mk(100), 'r', { distinctId: `u${i}` })).toBe(true)
    }
  })

  it('picks variants from the variant hash and returns true when percentages leave a gap', () => {
    const flag: FlagDefinition = { id: 1, key: 'mv', active: true, filters: { groups: [{ properties: [], rollout_percentage: 100 }], multivariate: { variants: [{ key: 'a', rollout_percentage: 30 }, { key: 'b', rollout_percentage: 30 }] } } }
    const compiled = compileFlags({ flags: [flag] })
    let gaps = 0
    for (let i = 0; i < 300; i++) {
      const h = refHash(`mv.u${i}variant`)
      const want = h < 0.3 ? 'a' : h < 0.6 ? 'b' : true
      if (want === true) gaps++
      const e = evaluateFlag(compiled, 'mv', { distinctId: `u${i}` })
      expect(e.kind === 'evaluated' && e.result.value).toBe(want)
    }
    expect(gaps).toBeGreaterThan(0)
  })

  it('applies a condition variant override only when it names a declared variant', () => {
    const defs = { flags: [{ id: 1, key: 'layout', active: true, filters: { groups: [{ properties: [plan('pro')], rollout_percentage: 100, variant: 'spacious' }, { properties: [plan('team')], rollout_percentage: 100, variant: 'wide' }], multivariate: variants3 } }] }
    expect(evaluated(defs, 'layout', { distinctId: 'user-61', personProperties: { plan: 'pro' } }).value).toBe('spacious')
    const hashed = evaluated(defs, 'layout', { distinctId: 'user-61', personProperties: { plan: 'team' } })
    expect(hashed.value).toBe('compact') // user-61's variant hash is 0.5698
    expect(hashed.reason.conditionIndex).toBe(1)
  })

  it('ignores an override on a boolean flag', () => {
    const defs = { flags: [{ id: 1, key: 'b', active: true, filters: { groups: [{ properties: [], rollout_percentage: 100, variant: 'x' }] } }] }
    expect(evaluated(defs, 'b', { distinctId: 'u' }).value).toBe(true)
  })

  it('hashes an empty distinct id as 0.0 (first variant, inside any rollout)', () => {
    const defs = { flags: [{ id: 1, key: 'e', active: true, filters: { groups: [{ properties: [], rollout_percentage: 1 }], multivariate: variants3 } }] }
    expect(evaluated(defs, 'e', { distinctId: '' }).value).toBe('control')
  })

  it('hashes identifiers on their first 200 code points', () => {
    const defs = { flags: [{ id: 1, key: 'long', active: true, filters: { groups: [{ properties: [], rollout_percentage: 50 }], multivariate: variants3 } }] }
    const base = '🦔'.repeat(200)
    const compiled = compileFlags(defs)
    const a = evaluateFlag(compiled, 'long', { distinctId: base + 'tail-1' })
    const b = evaluateFlag(compiled, 'long', { distinctId: base + 'another-tail' })
    if (a.kind !== 'evaluated' || b.kind !== 'evaluated') throw new Error('inconclusive')
    expect(a.result).toBe(b.result)
    expect(a.result.enabled).toBe(refHash(`long.${base}`) <= 0.5)
  })
})

describe('conditions and reasons', () => {
  const staged = (earlyExit: boolean): FlagDefinitionsResponse => ({
    flags: [{ id: 1, key: 'beta-search-staged', active: true, filters: { early_exit: earlyExit, groups: [{ properties: [], rollout_percentage: 10 }, { properties: [plan('enterprise')], rollout_percentage: 100 }] } }],
  })

  it('tries conditions in order and reports the matching index', () => {
    const r = evaluated(staged(false), 'beta-search-staged', { distinctId: 'user-105', personProperties: { plan: 'enterprise' } })
    expect(r.reason).toMatchObject({ code: 'condition_match', conditionIndex: 1 })
  })

  it('stops at the first rollout miss with early_exit', () => {
    const r = evaluated(staged(true), 'beta-search-staged', { distinctId: 'user-105', personProperties: { plan: 'enterprise' } })
    expect(r.reason).toMatchObject({ code: 'out_of_rollout_bound', conditionIndex: 0 })
  })

  it('reports no_condition_match at index 0 when nothing matches and nothing was out of rollout', () => {
    const defs = { flags: [{ id: 1, key: 'f', active: true, filters: { groups: [{ properties: [plan('a')] }, { properties: [plan('b')] }] } }] }
    expect(evaluated(defs, 'f', { distinctId: 'u', personProperties: { plan: 'c' } }).reason).toMatchObject({ code: 'no_condition_match', conditionIndex: 0 })
  })

  it('a flag with no conditions does not match', () => {
    expect(evaluated({ flags: [{ id: 1, key: 'f', active: true, filters: {} }] }, 'f', { distinctId: 'u' }).value).toBe(false)
  })

  it('inactive and deleted flags are false with flag_disabled, even with continuity on', () => {
    const defs = { flags: [
      { id: 1, key: 'off', active: false, ensure_experience_continuity: true, filters: { groups: [{ properties: [] }] } },
      { id: 2, key: 'gone', active: true, deleted: true, filters: { groups: [{ properties: [] }] } },
    ] }
    for (const key of ['off', 'gone']) expect(evaluated(defs, key, { distinctId: 'u' }).reason).toMatchObject({ code: 'flag_disabled', conditionIndex: null })
  })

  it('a later match stands after an undecidable condition when it cannot change the value', () => {
    const defs = { flags: [{ id: 1, key: 'f', active: true, filters: { groups: [{ properties: [{ key: 'email', type: 'person', operator: 'icontains', value: '@corp' }] }, { properties: [plan('pro')] }] } }] }
    expect(evaluated(defs, 'f', { distinctId: 'u', personProperties: { plan: 'pro' } }).value).toBe(true)
  })

  it('but not when the undecidable condition would force a different variant', () => {
    const defs = { flags: [{ id: 1, key: 'checkout-layout', active: true, filters: { multivariate: variants3, groups: [{ properties: [{ key: 'email', type: 'person', operator: 'icontains', value: '@corp' }], variant: 'spacious' }, { properties: [plan('pro')] }] } }] }
    // user-17's hashed variant is control, so the first condition could change the answer.
    expect(evaluateFlag(compileFlags(defs), 'checkout-layout', { distinctId: 'user-17', personProperties: { plan: 'pro' } }).kind).toBe('inconclusive')
    // With the property given, it decides.
    expect(evaluated(defs, 'checkout-layout', { distinctId: 'user-17', personProperties: { plan: 'pro', email: 'x@corp.io' } }).value).toBe('spacious')
    // An override equal to the hashed variant cannot change the answer.
    const same = { flags: [{ ...defs.flags[0], filters: { ...defs.flags[0].filters, groups: [{ ...defs.flags[0].filters.groups[0], variant: 'control' }, defs.flags[0].filters.groups[1]] } }] }
    expect(evaluated(same, 'checkout-layout', { distinctId: 'user-17', personProperties: { plan: 'pro' } }).value).toBe('control')
  })

  it('a definite no in one filter decides a condition even if another filter is undecidable', () => {
    const defs = { flags: [{ id: 1, key: 'f', active: true, filters: { groups: [{ properties: [{ key: 'email', type: 'person', operator: 'is_set', value: 'is_set' }, plan('pro')] }] } }] }
    expect(evaluated(defs, 'f', { distinctId: 'u', personProperties: { plan: 'free' } }).value).toBe(false)
    expect(evaluateFlag(compileFlags(defs), 'f', { distinctId: 'u', personProperties: { plan: 'pro' } }).kind).toBe('inconclusive')
  })

  it('experience continuity is undecidable locally when the hash matters, and evaluated by the server', () => {
    const defs = { flags: [{ id: 1, key: 'f', active: true, ensure_experience_continuity: true, filters: { groups: [{ properties: [], rollout_percentage: 50 }] } }] }
    expect(evaluateFlag(compileFlags(defs), 'f', { distinctId: 'u' }).kind).toBe('inconclusive')
    expect(typeof evaluated(defs, 'f', { distinctId: 'u' }, 'server').value).toBe('boolean')
  })

  it('experience continuity hashes the stored hash key on the server', () => {
    const variants = { variants: [{ key: 'a', rollout_percentage: 50 }, { key: 'b', rollout_percentage: 50 }] }
    const defs = (continuity: boolean) => ({ flags: [{ id: 1, key: 'f', active: true, ensure_experience_continuity: continuity, filters: { groups: [{ properties: [], rollout_percentage: 50 }], multivariate: variants } }] })
    const server = compileFlags(defs(true), { mode: 'server' })
    const plain = compileFlags(defs(false), { mode: 'server' })
    const value = (c: ReturnType<typeof compileFlags>, subject: Parameters<typeof evaluateFlag>[2]) => {
      const e = evaluateFlag(c, 'f', subject)
      return e.kind === 'evaluated' ? e.result.value : e.kind
    }
    let differs = 0
    for (let i = 0; i < 40; i++) {
      const withKey = value(server, { distinctId: `user-${i}`, hashKeys: { f: `anon-${i}` } })
      expect(withKey).toBe(value(plain, { distinctId: `anon-${i}` }))
      expect(value(server, { distinctId: `user-${i}` })).toBe(value(plain, { distinctId: `user-${i}` }))
      if (withKey !== value(plain, { distinctId: `user-${i}` })) differs++
    }
    expect(differs).toBeGreaterThan(0)
  })

  it('experience continuity is decided locally when no outcome depends on the hash', () => {
    const full = { flags: [{ id: 1, key: 'f', active: true, ensure_experience_continuity: true, filters: { groups: [{ properties: [] }] } }] }
    expect(evaluated(full, 'f', { distinctId: 'u' }, 'local').value).toBe(true)
    const onlyVariant = { flags: [{ id: 1, key: 'f', active: true, ensure_experience_continuity: true, filters: { groups: [{ properties: [] }], multivariate: { variants: [{ key: 'a', rollout_percentage: 0 }, { key: 'b', rollout_percentage: 100 }] } } }] }
    expect(evaluated(onlyVariant, 'f', { distinctId: 'u' }, 'local').value).toBe('b')
    const split = { flags: [{ id: 1, key: 'f', active: true, ensure_experience_continuity: true, filters: { groups: [{ properties: [] }], multivariate: { variants: [{ key: 'a', rollout_percentage: 50 }, { key: 'b', rollout_percentage: 50 }] } } }] }
    expect(evaluateFlag(compileFlags(split), 'f', { distinctId: 'u' }).kind).toBe('inconclusive')
    const held = { flags: [{ id: 1, key: 'f', active: true, ensure_experience_continuity: true, filters: { groups: [{ properties: [] }], holdout: { id: 1, exclusion_percentage: 10 } } }] }
    expect(evaluateFlag(compileFlags(held), 'f', { distinctId: 'u' }).kind).toBe('inconclusive')
  })

  it('an unknown flag key is missing', () => {
    expect(evaluateFlag(compileFlags({ flags: [] }), 'nope', { distinctId: 'u' })).toEqual({ kind: 'missing' })
  })
})

describe('payloads', () => {
  const defs = { flags: [
    { id: 1, key: 'b', active: true, filters: { groups: [{ properties: [plan('pro')] }], payloads: { true: '{"cta":"Go","n":[1,2]}', false: '"never"' } } },
    { id: 2, key: 'mv', active: true, filters: { groups: [{ properties: [], variant: 'compact' }], multivariate: variants3, payloads: { compact: '"plain"', control: 'not json' } } },
    { id: 3, key: 'odd', active: true, filters: { groups: [{ properties: [] }], payloads: { true: 'not { json' } } },
    { id: 4, key: 'empty', active: true, filters: { groups: [{ properties: [] }], payloads: { true: '' } } },
  ] }

  it('are decoded once and shared, frozen', () => {
    const a = evaluated(defs, 'b', { distinctId: 'u1', personProperties: { plan: 'pro' } })
    const b = evaluated(defs, 'b', { distinctId: 'u2', personProperties: { plan: 'pro' } })
    expect(a.payload).toEqual({ cta: 'Go', n: [1, 2] })
    expect(a.rawPayload).toBe('{"cta":"Go","n":[1,2]}')
    expect(Object.isFrozen(a.payload)).toBe(true)
    expect(Object.isFrozen((a.payload as { n: number[] }).n)).toBe(true)
    const compiled = compileFlags(defs)
    const x = evaluateFlag(compiled, 'b', { distinctId: 'u1', personProperties: { plan: 'pro' } })
    const y = evaluateFlag(compiled, 'b', { distinctId: 'u2', personProperties: { plan: 'pro' } })
    expect(x.kind === 'evaluated' && y.kind === 'evaluated' && x.result === y.result).toBe(true)
    expect(b.payload).toEqual(a.payload)
  })

  it('are not returned for a false value', () => {
    const r = evaluated(defs, 'b', { distinctId: 'u', personProperties: { plan: 'free' } })
    expect(r.payload).toBeUndefined()
    expect(r.rawPayload).toBeUndefined()
  })

  it('follow the variant, and keep text that is not JSON as a string', () => {
    expect(evaluated(defs, 'mv', { distinctId: 'u' }).payload).toBe('plain')
    expect(evaluated(defs, 'odd', { distinctId: 'u' }).payload).toBe('not { json')
    expect(evaluated(defs, 'empty', { distinctId: 'u' }).payload).toBeUndefined()
  })
})

describe('group flags and mixed targeting', () => {
  const mapping = { '0': 'company', '1': 'project' }
  const groupFlag: FlagDefinition = {
    id: 1, key: 'org', active: true, bucketing_identifier: 'device_id',
    filters: { aggregation_group_type_index: 0, groups: [{ properties: [{ key: 'tier', type: 'group', group_type_index: 0, operator: 'exact', value: 'gold' }], rollout_percentage: 60 }] },
  }

  it('hash the group key, not the distinct id or device id', () => {
    const compiled = compileFlags({ flags: [groupFlag], group_type_mapping: mapping })
    for (const key of ['org-9', 'org-12', 'acme', 'zeta']) {
      const got = verdict(compiled, 'org', { distinctId: 'someone', deviceId: 'dev', groups: { company: key }, groupProperties: { company: { tier: 'GOLD' } } })
      expect(got).toBe(refHash(`org.${key}`) <= 0.6)
    }
  })

  it('give false with no_group_type when the subject has no group of that type', () => {
    const r = evaluated({ flags: [groupFlag], group_type_mapping: mapping }, 'org', { distinctId: 'u', groups: { project: 'p' } })
    expect(r.reason.code).toBe('no_group_type')
  })

  it('target $group_key, which defaults to the group key (integers as text)', () => {
    const flag: FlagDefinition = { id: 2, key: 'by-key', active: true, filters: { aggregation_group_type_index: 1, groups: [{ properties: [{ key: '$group_key', type: 'group', group_type_index: 1, operator: 'exact', value: '42' }] }] } }
    const defs = { flags: [flag], group_type_mapping: mapping }
    expect(evaluated(defs, 'by-key', { distinctId: 'u', groups: { project: 42 } }).value).toBe(true)
    expect(evaluated(defs, 'by-key', { distinctId: 'u', groups: { project: 43 } }).value).toBe(false)
  })

  it('an unknown group type index is undecidable locally and no_group_type on the server', () => {
    const defs = { flags: [groupFlag], group_type_mapping: {} }
    expect(evaluateFlag(compileFlags(defs), 'org', { distinctId: 'u', groups: { company: 'c' } }).kind).toBe('inconclusive')
    expect(evaluated(defs, 'org', { distinctId: 'u', groups: { company: 'c' } }, 'server').reason.code).toBe('no_group_type')
  })

  it('a missing group property is undecidable locally and not set on the server', () => {
    const defs = { flags: [groupFlag], group_type_mapping: mapping }
    expect(evaluateFlag(compileFlags(defs), 'org', { distinctId: 'u', groups: { company: 'org-9' } }).kind).toBe('inconclusive')
    expect(evaluated(defs, 'org', { distinctId: 'u', groups: { company: 'org-9' } }, 'server').value).toBe(false)
  })

  it('mixed targeting: each condition aggregates by its own group type, skipping absent groups', () => {
    const flag: FlagDefinition = {
      id: 3, key: 'mixed', active: true,
      filters: { groups: [
        { aggregation_group_type_index: 0, properties: [{ key: 'tier', type: 'group', group_type_index: 0, operator: 'exact', value: 'gold' }], rollout_percentage: 100 },
        { properties: [plan('pro')], rollout_percentage: 100 },
      ] },
    }
    const defs = { flags: [flag], group_type_mapping: mapping }
    const viaGroup = evaluated(defs, 'mixed', { distinctId: 'u', groups: { company: 'c1' }, groupProperties: { company: { tier: 'gold' } } })
    expect(viaGroup.reason.conditionIndex).toBe(0)
    const viaPerson = evaluated(defs, 'mixed', { distinctId: 'u', personProperties: { plan: 'pro' } })
    expect(viaPerson.reason.conditionIndex).toBe(1)
    expect(evaluated(defs, 'mixed', { distinctId: 'u', personProperties: { plan: 'free' } }).reason.code).toBe('no_group_type')
  })

  it('mixed targeting buckets a group condition by the group key', () => {
    const flag: FlagDefinition = { id: 4, key: 'mixed-roll', active: true, filters: { groups: [{ aggregation_group_type_index: 0, properties: [], rollout_percentage: 50 }] } }
    const compiled = compileFlags({ flags: [flag], group_type_mapping: mapping })
    for (const key of ['a', 'b', 'c', 'd', 'e', 'f']) {
      expect(verdict(compiled, 'mixed-roll', { distinctId: 'same-person', groups: { company: key } })).toBe(refHash(`mixed-roll.${key}`) <= 0.5)
    }
  })
})

describe('device id bucketing', () => {
  const flag: FlagDefinition = { id: 1, key: 'dev', active: true, bucketing_identifier: 'device_id', filters: { groups: [{ properties: [], rollout_percentage: 50 }] } }
  it('hashes the device id', () => {
    const compiled = compileFlags({ flags: [flag] })
    for (let i = 0; i < 40; i++) expect(verdict(compiled, 'dev', { distinctId: 'same', deviceId: `d${i}` })).toBe(refHash(`dev.d${i}`) <= 0.5)
  })
  it('is undecidable locally without a device id; the server falls back to the distinct id', () => {
    expect(evaluateFlag(compileFlags({ flags: [flag] }), 'dev', { distinctId: 'u' }).kind).toBe('inconclusive')
    expect(evaluated({ flags: [flag] }, 'dev', { distinctId: 'u7' }, 'server').enabled).toBe(refHash('dev.u7') <= 0.5)
  })
  it('may also be set inside filters', () => {
    const f2: FlagDefinition = { id: 2, key: 'dev2', active: true, filters: { bucketing_identifier: 'device_id', groups: [{ properties: [] }] } }
    expect(evaluateFlag(compileFlags({ flags: [f2] }), 'dev2', { distinctId: 'u' }).kind).toBe('inconclusive')
  })
})

describe('holdouts', () => {
  const flag = (pct: number): FlagDefinition => ({ id: 1, key: 'exp', active: true, filters: { holdout: { id: 9, exclusion_percentage: pct }, groups: [{ properties: [plan('pro')] }], multivariate: { variants: [{ key: 'control', rollout_percentage: 50 }, { key: 'test', rollout_percentage: 50 }] } } })
  it('put members in holdout-<id> before any condition, by the holdout hash', () => {
    const compiled = compileFlags({ flags: [flag(30)] })
    for (let i = 0; i < 60; i++) {
      const e = evaluateFlag(compiled, 'exp', { distinctId: `u${i}`, personProperties: { plan: 'free' } })
      if (e.kind !== 'evaluated') throw new Error('inconclusive')
      if (refHash(`holdout-u${i}`) <= 0.3) expect(e.result).toMatchObject({ value: 'holdout-9', variant: 'holdout-9', enabled: true, reason: { code: 'holdout_condition_value', conditionIndex: null } })
      else expect(e.result.value).toBe(false)
    }
  })
})

describe('legacy holdout groups and early-access enrollment', () => {
  it('read holdout_groups like a holdout: the holdout hash against the exclusion percentage', () => {
    const flag: FlagDefinition = { id: 1, key: 'old-exp', active: true, filters: { holdout_groups: [{ properties: [], rollout_percentage: 30, variant: 'holdout-4' }], groups: [{ properties: [] }] } }
    const compiled = compileFlags({ flags: [flag] })
    for (let i = 0; i < 40; i++) {
      const e = evaluateFlag(compiled, 'old-exp', { distinctId: `u${i}` })
      expect(e.kind === 'evaluated' && e.result.value).toBe(refHash(`holdout-u${i}`) <= 0.3 ? 'holdout-4' : true)
    }
  })

  const early: FlagDefinition = {
    id: 2, key: 'early', active: true,
    filters: {
      super_groups: [{ properties: [{ key: '$feature_enrollment/early', type: 'person', operator: 'exact', value: ['true'] }], rollout_percentage: 100 }],
      groups: [{ properties: [plan('pro')] }],
      payloads: { true: '{"beta":true}' },
    },
  }
  it('let the enrollment property decide when it is set', () => {
    const enrolled = evaluated({ flags: [early] }, 'early', { distinctId: 'u', personProperties: { '$feature_enrollment/early': true, plan: 'free' } })
    expect(enrolled).toMatchObject({ value: true, payload: { beta: true }, reason: { code: 'super_condition_value', conditionIndex: 0 } })
    const optedOut = evaluated({ flags: [early] }, 'early', { distinctId: 'u', personProperties: { '$feature_enrollment/early': false, plan: 'pro' } })
    expect(optedOut).toMatchObject({ value: false, reason: { code: 'super_condition_value' } })
  })
  it('fall through to the normal conditions when it is not set', () => {
    expect(evaluated({ flags: [early] }, 'early', { distinctId: 'u', personProperties: { plan: 'pro' } }).reason.code).toBe('condition_match')
    expect(evaluated({ flags: [early] }, 'early', { distinctId: 'u', personProperties: { plan: 'pro' } }, 'server').value).toBe(true)
  })
})

describe('cohorts', () => {
  const cohorts = {
    '1': { type: 'AND' as const, values: [{ key: 'plan', type: 'person', operator: 'exact', value: 'pro' }, { key: 'country', type: 'person', operator: 'exact', value: 'DE', negation: true }] },
    '2': { type: 'OR' as const, values: [{ type: 'AND' as const, values: [{ key: 'age', type: 'person', operator: 'gte', value: 18 }] }, { key: 'id', type: 'cohort', value: 1 }] },
    '3': { type: 'AND' as const, values: [{ key: 'id', type: 'cohort', value: 4 }] },
    '4': { type: 'AND' as const, values: [{ key: 'id', type: 'cohort', value: 3 }] },
  }
  const flagFor = (key: string, cohort: number | string, operator = 'in'): FlagDefinition => ({ id: 1, key, active: true, filters: { groups: [{ properties: [{ key: 'id', type: 'cohort', operator, value: cohort }] }] } })
  const defs = { cohorts, flags: [flagFor('in1', 1), flagFor('notin1', 1, 'not_in'), flagFor('in2', 2), flagFor('static', 99), flagFor('notstatic', 99, 'not_in'), flagFor('cycle', 3)] }
  const compiled = compileFlags(defs)
  const server = compileFlags(defs, { mode: 'server' })

  it('evaluate AND with negated entries', () => {
    expect(verdict(compiled, 'in1', { distinctId: 'u', personProperties: { plan: 'pro', country: 'FR' } })).toBe(true)
    expect(verdict(compiled, 'in1', { distinctId: 'u', personProperties: { plan: 'pro', country: 'DE' } })).toBe(false)
    expect(verdict(compiled, 'notin1', { distinctId: 'u', personProperties: { plan: 'pro', country: 'DE' } })).toBe(true)
  })
  it('evaluate nested OR groups and cohorts inside cohorts', () => {
    expect(verdict(compiled, 'in2', { distinctId: 'u', personProperties: { age: 20 } })).toBe(true)
    expect(verdict(compiled, 'in2', { distinctId: 'u', personProperties: { age: 12, plan: 'pro', country: 'US' } })).toBe(true)
    expect(verdict(compiled, 'in2', { distinctId: 'u', personProperties: { age: 12, plan: 'free' } })).toBe(false)
  })
  it('let a decided entry settle a group even when another is undecidable', () => {
    expect(verdict(compiled, 'in1', { distinctId: 'u', personProperties: { plan: 'free' } })).toBe(false) // AND: plan decides
    expect(verdict(compiled, 'in2', { distinctId: 'u', personProperties: { age: 30 } })).toBe(true) // OR: age decides
    expect(verdict(compiled, 'in2', { distinctId: 'u', personProperties: { age: 12, plan: 'pro' } })).toBe('inconclusive')
  })
  it('static cohorts (not in the definitions) go to the server locally; the server says not a member', () => {
    expect(verdict(compiled, 'static', { distinctId: 'u' })).toBe('inconclusive')
    expect(verdict(server, 'static', { distinctId: 'u' })).toBe(false)
    expect(verdict(server, 'notstatic', { distinctId: 'u' })).toBe(true)
  })
  it('a static cohort does not block a filter that settles the condition', () => {
    const staticCohort = { key: 'id', type: 'cohort', operator: 'in', value: 99 }
    const mixed = compileFlags({ cohorts, flags: [
      { id: 1, key: 'and', active: true, filters: { groups: [{ properties: [staticCohort, plan('pro')] }] } },
      { id: 2, key: 'later', active: true, filters: { groups: [{ properties: [staticCohort] }, { properties: [plan('pro')] }] } },
    ] })
    expect(verdict(mixed, 'and', { distinctId: 'u', personProperties: { plan: 'free' } })).toBe(false)
    expect(verdict(mixed, 'and', { distinctId: 'u', personProperties: { plan: 'pro' } })).toBe('inconclusive')
    // Had the static-cohort condition matched, the value would be the same `true`.
    expect(verdict(mixed, 'later', { distinctId: 'u', personProperties: { plan: 'pro' } })).toBe(true)
    const e = evaluateFlag(mixed, 'later', { distinctId: 'u', personProperties: { plan: 'free' } })
    expect(e).toEqual({ kind: 'inconclusive', why: 'a cohort is not in the definitions (static cohort)' })
  })
  it('a cycle between cohorts is undecidable, not a stack overflow', () => {
    expect(verdict(compiled, 'cycle', { distinctId: 'u' })).toBe('inconclusive')
    expect(verdict(server, 'cycle', { distinctId: 'u' })).toBe(false)
  })
})

describe('flag dependencies', () => {
  const dep = (key: string, value: boolean | string, extra: Record<string, unknown> = {}) => ({ key, type: 'flag', operator: 'flag_evaluates_to', value, dependency_chain: [key], ...extra })
  const flag = (key: string, properties: unknown[], extra: Partial<FlagDefinition> = {}): FlagDefinition => ({ id: key.length, key, active: true, filters: { groups: [{ properties: properties as never }] }, ...extra })
  const defs: FlagDefinitionsResponse = {
    flags: [
      flag('c', [plan('pro')]),
      flag('b', [dep('c', true)]),
      flag('a', [dep('b', true)]),
      flag('not-a', [dep('b', false)]),
      flag('mv', [], { filters: { groups: [{ properties: [plan('pro')], variant: 'test' }, { properties: [] }], multivariate: { variants: [{ key: 'control', rollout_percentage: 100 }, { key: 'test', rollout_percentage: 0 }] } } }),
      flag('wants-test', [dep('mv', 'test')]),
      flag('wants-any', [dep('mv', true)]),
      flag('x', [dep('y', true)]),
      flag('y', [dep('x', true)]),
      flag('after-cycle', [dep('x', true)]),
      flag('orphan', [dep('ghost', true)]),
      flag('off', [], { active: false }),
      flag('needs-off', [dep('off', false)]),
      flag('malformed', [{ key: 'c', type: 'flag', operator: 'exact', value: true }]),
      flag('dep-undecided', [dep('c', true)]),
    ],
  }
  const local = compileFlags(defs)
  const server = compileFlags(defs, { mode: 'server' })

  it('evaluate chains', () => {
    expect(verdict(local, 'a', { distinctId: 'u', personProperties: { plan: 'pro' } })).toBe(true)
    expect(verdict(local, 'a', { distinctId: 'u', personProperties: { plan: 'free' } })).toBe(false)
    expect(verdict(local, 'not-a', { distinctId: 'u', personProperties: { plan: 'free' } })).toBe(true)
  })
  it('match variants by name, and any variant for true', () => {
    expect(verdict(local, 'wants-test', { distinctId: 'u', personProperties: { plan: 'pro' } })).toBe(true)
    expect(verdict(local, 'wants-test', { distinctId: 'u', personProperties: { plan: 'free' } })).toBe(false)
    expect(verdict(local, 'wants-any', { distinctId: 'u', personProperties: { plan: 'free' } })).toBe(true)
  })
  it('a dependency on an inactive flag sees false', () => {
    expect(verdict(local, 'needs-off', { distinctId: 'u' })).toBe(true)
  })
  it('cycles and missing targets are undecidable locally', () => {
    for (const key of ['x', 'y', 'after-cycle', 'orphan']) expect(verdict(local, key, { distinctId: 'u' }), key).toBe('inconclusive')
  })
  it('the server fails them closed with missing_dependency', () => {
    for (const key of ['x', 'y', 'after-cycle', 'orphan']) {
      const e = evaluateFlag(server, key, { distinctId: 'u' })
      expect(e.kind === 'evaluated' && e.result.reason.code, key).toBe('missing_dependency')
      expect(e.kind === 'evaluated' && e.result.value, key).toBe(false)
    }
  })
  it('a malformed dependency filter never matches', () => {
    expect(verdict(local, 'malformed', { distinctId: 'u', personProperties: { plan: 'pro' } })).toBe(false)
  })
  it('an undecidable dependency makes the dependent undecidable', () => {
    expect(verdict(local, 'dep-undecided', { distinctId: 'u' })).toBe('inconclusive')
  })
  it('evaluateAllFlags lists every flag once, undecidable ones apart', () => {
    const { results, inconclusive } = evaluateAllFlags(local, { distinctId: 'u', personProperties: { plan: 'pro' } })
    expect(inconclusive.sort()).toEqual(['after-cycle', 'orphan', 'x', 'y'])
    expect(Object.keys(results).length + inconclusive.length).toBe(defs.flags.length)
    expect(results.a.value).toBe(true)
    expect(results.off.reason.code).toBe('flag_disabled')
  })
  it('evaluateAllFlags restricted to some keys evaluates their dependencies without listing them', () => {
    const { results, inconclusive } = evaluateAllFlags(local, { distinctId: 'u', personProperties: { plan: 'pro' } }, ['a', 'nope'])
    expect(Object.keys(results)).toEqual(['a'])
    expect(inconclusive).toEqual([])
    expect(evaluateAllFlags(local, { distinctId: 'u' }, ['x', 'x', 'c']).inconclusive).toEqual(['x', 'c'])
  })
})

describe('compile robustness', () => {
  it('keeps a flag keyed __proto__ as a plain entry of the results', () => {
    const { results } = evaluateAllFlags(compileFlags({ flags: [{ id: 1, key: '__proto__', active: true, filters: { groups: [{ properties: [] }] } }] }), { distinctId: 'u' })
    expect(Object.keys(results)).toEqual(['__proto__'])
    expect(Object.getPrototypeOf(results)).toBe(Object.prototype)
  })

  it('tolerates malformed definitions without throwing', () => {
    const junk = { flags: [null, 7, { key: 'ok', id: 1, active: true, filters: { groups: [null, { properties: [null, 5, { key: 'p', value: 'x' }] }] } }, { id: 2 }], cohorts: 'bad', group_type_mapping: [] } as unknown as FlagDefinitionsResponse
    const compiled = compileFlags(junk)
    expect(compiled.keys).toEqual(['ok'])
    expect(verdict(compiled, 'ok', { distinctId: 'u', personProperties: { p: 'X' } })).toBe(true)
    expect(compileFlags(undefined as unknown as FlagDefinitionsResponse).size).toBe(0)
  })
  it('refuses objects that did not come from compileFlags', () => {
    expect(() => evaluateFlag({ keys: [], size: 0 } as never, 'x', { distinctId: 'u' })).toThrow(TypeError)
  })
})
