// Random flag definitions and subjects for the engine's property tests (seeded, so a failure replays).
import type { EvaluationSubject, FlagDefinition, FlagDefinitionsResponse, PropertyFilter } from '../../src/engine/engine.js'

/** A seeded PRNG (mulberry32), so a failure can be replayed from its seed. */
export function rng(seed: number) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]
  return { next, pick }
}

const OPERATORS = ['exact', 'is_not', 'is_set', 'is_not_set', 'icontains', 'not_icontains', 'icontains_multi', 'regex', 'not_regex', 'starts_with', 'ends_with', 'gt', 'gte', 'lt', 'lte', 'between', 'not_between', 'is_date_before', 'is_date_after', 'is_date_exact', 'semver_eq', 'semver_gt', 'semver_tilde', 'semver_caret', 'semver_wildcard', 'bogus', null]
export const KEYS = ['plan', 'age', 'email', 'version', 'signup', 'beta', 'country']
const VALUES: unknown[] = ['pro', 'PRO', 'free', '', 'a@x.com', '1.2.3', 'v2.0.0-beta', '2026-01-01', '-7d', '30', 30, 0, -1.5, true, false, 'true', null, [], ['pro', 'free'], [1, 10], [true], { a: 1 }, '(a+)+$', '^p', '1.*', 'Ünïcode']

function randomFilter(r: ReturnType<typeof rng>): PropertyFilter {
  const roll = r.next()
  if (roll < 0.08) return { key: 'id', type: 'cohort', operator: r.pick(['in', 'not_in', null]), value: r.pick([1, 2, 3, 99]) }
  if (roll < 0.12) return { key: 'group', type: 'group', group_type_index: r.pick([0, 1, 5]), operator: r.pick(OPERATORS), value: r.pick(VALUES) }
  return { key: r.pick(KEYS), type: 'person', operator: r.pick(OPERATORS), value: r.pick(VALUES), negation: r.next() < 0.05 }
}

export function randomDefinitions(r: ReturnType<typeof rng>): FlagDefinitionsResponse {
  const flags: FlagDefinition[] = []
  const n = 1 + Math.floor(r.next() * 6)
  for (let i = 0; i < n; i++) {
    const multivariate = r.next() < 0.4 ? { variants: [{ key: 'a', rollout_percentage: 40 }, { key: 'b', rollout_percentage: 60 }] } : null
    const conditions = Array.from({ length: Math.floor(r.next() * 4) }, () => ({
      properties: Array.from({ length: Math.floor(r.next() * 3) }, () => randomFilter(r)),
      rollout_percentage: r.pick([null, 0, 25, 50, 100]),
      variant: multivariate && r.next() < 0.3 ? r.pick(['a', 'b', 'zzz']) : undefined,
      aggregation_group_type_index: r.next() < 0.1 ? r.pick([0, 1]) : undefined,
    }))
    flags.push({
      id: i,
      key: `flag-${i}`,
      active: r.next() < 0.9,
      ensure_experience_continuity: r.next() < 0.05,
      bucketing_identifier: r.next() < 0.1 ? 'device_id' : undefined,
      filters: {
        groups: conditions,
        multivariate,
        aggregation_group_type_index: r.next() < 0.15 ? r.pick([0, 1, 7]) : undefined,
        early_exit: r.next() < 0.2,
        holdout: r.next() < 0.1 ? { id: 3, exclusion_percentage: 20 } : undefined,
        payloads: { true: '{"x":1}', a: '"A"', b: 'not json' },
      },
    })
  }
  const cohorts = {
    '1': { type: 'AND' as const, values: [randomFilter(r), randomFilter(r)] },
    '2': { type: 'OR' as const, values: [{ type: 'AND' as const, values: [randomFilter(r)] }, { key: 'id', type: 'cohort', value: 1 }] },
    '3': { type: 'OR' as const, values: [{ key: 'id', type: 'cohort', value: 3 }] },
  }
  return { flags, cohorts, group_type_mapping: { '0': 'company', '1': 'team' } }
}

export function randomSubject(r: ReturnType<typeof rng>): EvaluationSubject {
  const personProperties: Record<string, unknown> = {}
  for (const k of KEYS) if (r.next() < 0.6) personProperties[k] = r.pick(VALUES)
  const groups: Record<string, string | number> = {}
  if (r.next() < 0.5) groups.company = r.pick(['acme', 42, ''])
  if (r.next() < 0.3) groups.team = 'red'
  const groupProperties = { company: r.next() < 0.5 ? { group: r.pick(VALUES) } : {} }
  return { distinctId: r.pick(['user-1', 'user-2', '', 'ü-3']), deviceId: r.next() < 0.5 ? 'dev-1' : undefined, personProperties, groups, groupProperties }
}
