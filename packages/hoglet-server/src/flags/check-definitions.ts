/**
 * Shape checks for flag definitions, run once per load, so a malformed file or control
 * request is refused with the path of the bad field (`flags[2].filters.groups[0].variant`)
 * instead of breaking `/flags` or the web page later. Values PostHog itself accepts
 * (unknown operators, extra fields) pass: the engine decides what they mean.
 */

type Json = Record<string, unknown>

/** Deepest cohort property-group nesting accepted (real cohorts are a few levels deep). */
const MAX_GROUP_DEPTH = 32

export function checkDefinitions(defs: Json, source: string): void {
  const fail = (path: string, what: string): never => {
    throw new TypeError(`${source}: \`${path}\` ${what}`)
  }
  const flags = defs.flags as unknown[]
  flags.forEach((flag, i) => checkFlag(flag as Json, `flags[${i}]`, fail))
  const cohorts = defs.cohorts
  if (cohorts !== undefined && cohorts !== null) {
    if (!isObject(cohorts)) fail('cohorts', 'must be an object of cohort id → property group')
    for (const [id, group] of Object.entries(cohorts as Json)) checkPropertyGroup(group, `cohorts.${id}`, fail, 0)
  }
}

type Fail = (path: string, what: string) => never

function checkFlag(f: Json, at: string, fail: Fail): void {
  optional(f, 'name', at, fail, 'string')
  optional(f, 'version', at, fail, 'integer')
  optional(f, 'active', at, fail, 'boolean')
  optional(f, 'deleted', at, fail, 'boolean')
  optional(f, 'ensure_experience_continuity', at, fail, 'boolean')
  optional(f, 'has_experiment', at, fail, 'boolean')
  if (f.evaluation_tags !== undefined && f.evaluation_tags !== null) {
    if (!Array.isArray(f.evaluation_tags) || !f.evaluation_tags.every((t) => typeof t === 'string')) fail(`${at}.evaluation_tags`, 'must be a list of strings')
  }
  const filters = f.filters
  if (!isObject(filters)) return fail(`${at}.filters`, 'must be an object')
  const fp = `${at}.filters`
  for (const list of ['groups', 'super_groups', 'holdout_groups'] as const) {
    const conditions = filters[list]
    if (conditions === undefined || conditions === null) continue
    if (!Array.isArray(conditions)) fail(`${fp}.${list}`, 'must be a list of conditions')
    ;(conditions as unknown[]).forEach((c, j) => checkCondition(c, `${fp}.${list}[${j}]`, fail))
  }
  const mv = filters.multivariate
  if (mv !== undefined && mv !== null) {
    if (!isObject(mv) || !Array.isArray(mv.variants)) fail(`${fp}.multivariate`, 'must be `{ variants: [...] }` or null')
    ;((mv as Json).variants as unknown[]).forEach((v, j) => {
      const vp = `${fp}.multivariate.variants[${j}]`
      if (!isObject(v)) fail(vp, 'must be an object')
      const variant = v as Json
      if (typeof variant.key !== 'string' || variant.key === '') fail(`${vp}.key`, 'must be a non-empty string')
      if (!isPercentage(variant.rollout_percentage)) fail(`${vp}.rollout_percentage`, 'must be a number from 0 to 100')
    })
  }
  if (filters.payloads !== undefined && filters.payloads !== null && !isObject(filters.payloads)) fail(`${fp}.payloads`, 'must be an object of value → payload')
  nullableIndex(filters, 'aggregation_group_type_index', fp, fail)
  const holdout = filters.holdout
  if (holdout !== undefined && holdout !== null) {
    if (!isObject(holdout)) fail(`${fp}.holdout`, 'must be an object or null')
    if (!isPercentage((holdout as Json).exclusion_percentage)) fail(`${fp}.holdout.exclusion_percentage`, 'must be a number from 0 to 100')
  }
}

function checkCondition(c: unknown, at: string, fail: Fail): void {
  if (!isObject(c)) fail(at, 'must be an object')
  const condition = c as Json
  const pct = condition.rollout_percentage
  if (pct !== undefined && pct !== null && !isPercentage(pct)) fail(`${at}.rollout_percentage`, 'must be a number from 0 to 100, or null')
  if (condition.variant !== undefined && condition.variant !== null && typeof condition.variant !== 'string') fail(`${at}.variant`, 'must be a string or null')
  nullableIndex(condition, 'aggregation_group_type_index', at, fail)
  const props = condition.properties
  if (props === undefined || props === null) return
  if (!Array.isArray(props)) fail(`${at}.properties`, 'must be a list of property filters')
  ;(props as unknown[]).forEach((p, k) => checkPropertyFilter(p, `${at}.properties[${k}]`, fail))
}

function checkPropertyFilter(p: unknown, at: string, fail: Fail): void {
  if (!isObject(p)) fail(at, 'must be an object')
  const filter = p as Json
  if (typeof filter.key !== 'string' && typeof filter.key !== 'number') fail(`${at}.key`, 'must be a string')
  if (filter.operator !== undefined && filter.operator !== null && typeof filter.operator !== 'string') fail(`${at}.operator`, 'must be a string')
  if (filter.type !== undefined && filter.type !== null && typeof filter.type !== 'string') fail(`${at}.type`, 'must be a string')
  if (filter.negation !== undefined && filter.negation !== null && typeof filter.negation !== 'boolean') fail(`${at}.negation`, 'must be a boolean')
  nullableIndex(filter, 'group_type_index', at, fail)
}

function checkPropertyGroup(g: unknown, at: string, fail: Fail, depth: number): void {
  if (depth > MAX_GROUP_DEPTH) fail(at, `nests deeper than ${MAX_GROUP_DEPTH} levels`)
  if (!isObject(g)) fail(at, 'must be a property group `{ type, values }`')
  const group = g as Json
  if (group.type !== 'AND' && group.type !== 'OR') fail(`${at}.type`, 'must be `AND` or `OR`')
  if (!Array.isArray(group.values)) fail(`${at}.values`, 'must be a list')
  ;(group.values as unknown[]).forEach((v, i) => {
    const vp = `${at}.values[${i}]`
    if (isObject(v) && 'values' in v) checkPropertyGroup(v, vp, fail, depth + 1)
    else checkPropertyFilter(v, vp, fail)
  })
}

function optional(o: Json, name: string, at: string, fail: Fail, kind: 'string' | 'integer' | 'boolean'): void {
  const v = o[name]
  if (v === undefined || v === null) return
  const ok = kind === 'integer' ? Number.isInteger(v) : typeof v === kind
  if (!ok) fail(`${at}.${name}`, `must be ${kind === 'integer' ? 'an integer' : `a ${kind}`}`)
}

function nullableIndex(o: Json, name: string, at: string, fail: Fail): void {
  const v = o[name]
  if (v === undefined || v === null) return
  if (!Number.isInteger(v) || (v as number) < 0) fail(`${at}.${name}`, 'must be a non-negative integer or null')
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const isPercentage = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 100
