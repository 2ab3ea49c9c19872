/**
 * Compiles a definitions response once per load: filters become test functions, variants a
 * cumulative table, payloads are decoded, reasons and results are prepared, dependencies and
 * cohorts are resolved. Evaluation (evaluate.ts) then only reads these structures.
 */
import { combine, compileFilter, groupName, PERSON } from './compile-filters.js'
import type { PropertySource } from './compile-filters.js'
import { constant } from './filter-nodes.js'
import type { FilterContext } from './filter-nodes.js'
import { analyzeDependencies } from './dependencies.js'
import type { CompileOptions, CompiledFlags, FlagReason, LocalFlagResult, ReasonCode } from './engine-types.js'
import type { FilterNode } from './evaluate-scope.js'
import { createUnitHasher, FlagHasher } from './hash.js'
import { decodePayload } from './payload.js'
import { YES } from './operators-values.js'
import type { EvaluationMode } from './operators.js'
import type { FlagCondition, FlagDefinition, FlagDefinitionsResponse, PropertyGroup } from './types.js'

/** How a condition (or flag) chooses its properties and bucketing value. */
export type Aggregation = { kind: 'person' } | { kind: 'group'; name: string } | { kind: 'unknown-group'; index: number }

export interface CompiledCondition {
  index: number
  filters: FilterNode
  /** Inclusion threshold `rollout / 100`; null when every subject is included (100% or null). */
  threshold: number | null
  /** A declared variant forced by this condition, or null. */
  variantOverride: string | null
  aggregation: Aggregation
  matchReason: FlagReason
  rolloutReason: FlagReason
  noGroupReason: FlagReason
  /** Results by value (`true` or a variant key), built on first use and then shared. */
  results: Map<string | true, LocalFlagResult>
}

export interface CompiledFlag {
  index: number
  key: string
  id: number
  version: number | undefined
  active: boolean
  aggregation: Aggregation
  bucketByDevice: boolean
  experienceContinuity: boolean
  /**
   * No outcome depends on the bucketing hash (every rollout is 100%, no holdout, every matched
   * value is fixed): a stored hash key override could not change the value.
   */
  hashFree: boolean
  earlyExit: boolean
  /** Server mode: a dependency is missing or cyclic, so the flag fails closed. */
  failClosed: boolean
  holdout: { threshold: number; result: LocalFlagResult } | null
  /** Early-access enrollment (`super_groups[0]`): decides the flag when its property is set. */
  superCondition: { enrollmentKey: string; filters: FilterNode; matched: LocalFlagResult; unmatched: LocalFlagResult } | null
  conditions: CompiledCondition[]
  variantKeys: string[]
  /** Cumulative upper bounds of the variants, in order (`value_max` of each). */
  variantBounds: number[]
  payloads: Map<string, { raw: string; parsed: unknown }>
  disabledResult: LocalFlagResult
  noMatchResult: LocalFlagResult
  noGroupResult: LocalFlagResult
  missingDependencyResult: LocalFlagResult
}

/** The engine's internal view of {@link CompiledFlags}. */
export interface CompiledFlagSet extends CompiledFlags {
  readonly flags: readonly CompiledFlag[]
  readonly byKey: ReadonlyMap<string, CompiledFlag>
  readonly hasher: FlagHasher
  readonly now: () => number
}

const EMPTY: Readonly<Record<string, never>> = Object.freeze({})

export function compileFlags(defs: FlagDefinitionsResponse, options: CompileOptions = {}): CompiledFlags {
  const mode: EvaluationMode = options.mode === 'server' ? 'server' : 'local'
  const now = options.now ?? Date.now
  const flagsIn: FlagDefinition[] = Array.isArray(defs?.flags) ? defs.flags.filter(isFlagDefinition) : []
  const mapping = Object.freeze({ ...(isRecord(defs?.group_type_mapping) ? defs.group_type_mapping : EMPTY) }) as Readonly<Record<string, string>>
  const cohorts = (isRecord(defs?.cohorts) ? defs.cohorts : EMPTY) as Readonly<Record<string, PropertyGroup>>

  // Later duplicates of a key replace earlier ones, as a key → flag map would.
  const flagIndex = new Map<string, number>()
  flagsIn.forEach((f, i) => flagIndex.set(f.key, i))
  const flagsUnique = flagsIn.filter((f, i) => flagIndex.get(f.key) === i)
  flagIndex.clear()
  flagsUnique.forEach((f, i) => flagIndex.set(f.key, i))

  const deps = analyzeDependencies(flagsUnique, flagIndex, cohorts)
  const ctx: FilterContext = {
    mode,
    operators: { mode, timezone: typeof defs?.timezone === 'string' && defs.timezone !== '' ? defs.timezone : options.timezone, now },
    groupTypeMapping: mapping,
    cohorts,
    compiledCohorts: new Map(),
    flagIndex,
    brokenFlags: mode === 'server' ? deps.transitivelyBroken : deps.onCycle,
  }
  const flags = flagsUnique.map((def, i) => compileFlag(def, i, ctx, mode === 'server' && deps.transitivelyBroken.has(i)))
  const byKey = new Map(flags.map((f) => [f.key, f]))
  const keys = Object.freeze(flags.map((f) => f.key))
  const compiled: CompiledFlagSet = {
    keys,
    size: keys.length,
    groupTypeMapping: mapping,
    mode,
    flags,
    byKey,
    hasher: new FlagHasher(createUnitHasher(options.sha1Hex)),
    now,
  }
  return Object.freeze(compiled)
}

function isRecord(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function isFlagDefinition(f: unknown): f is FlagDefinition {
  return isRecord(f) && typeof f.key === 'string'
}

function aggregationFor(index: unknown, ctx: FilterContext): Aggregation {
  if (typeof index !== 'number') return { kind: 'person' }
  const name = groupName(ctx, index)
  return name === undefined ? { kind: 'unknown-group', index } : { kind: 'group', name }
}

function sourceOf(aggregation: Aggregation): PropertySource {
  if (aggregation.kind === 'person') return PERSON
  if (aggregation.kind === 'group') return { kind: 'group', name: aggregation.name }
  return { kind: 'unknown-group' }
}

function reason(code: ReasonCode, conditionIndex: number | null): FlagReason {
  return Object.freeze({ code, conditionIndex, description: describe(code, conditionIndex) })
}

function describe(code: ReasonCode, index: number | null): string {
  switch (code) {
    case 'condition_match':
      return `Matched condition set ${(index ?? 0) + 1}`
    case 'no_condition_match':
      return 'No matching condition set'
    case 'out_of_rollout_bound':
      return `Out of rollout bound (condition set ${(index ?? 0) + 1})`
    case 'no_group_type':
      return 'No group of the flag’s group type was given'
    case 'holdout_condition_value':
      return 'In the holdout group'
    case 'super_condition_value':
      return 'Decided by early-access enrollment'
    case 'missing_dependency':
      return 'A flag this flag depends on is missing or circular'
    case 'flag_disabled':
      return 'Flag is disabled'
  }
}

function compileFlag(def: FlagDefinition, index: number, ctx: FilterContext, failClosed: boolean): CompiledFlag {
  const filters = isRecord(def.filters) ? def.filters : {}
  const variantsIn = Array.isArray(filters.multivariate?.variants) ? filters.multivariate!.variants : []
  const variantKeys: string[] = []
  const variantBounds: number[] = []
  let valueMin = 0
  for (const v of variantsIn) {
    if (!isRecord(v) || typeof v.key !== 'string') continue
    // Same floating-point steps as the reference (value_min + pct / 100), so bounds match exactly.
    const valueMax = valueMin + Number(v.rollout_percentage ?? 0) / 100
    variantKeys.push(v.key)
    variantBounds.push(valueMax)
    valueMin = valueMax
  }
  const payloads = new Map<string, { raw: string; parsed: unknown }>()
  if (isRecord(filters.payloads)) {
    for (const [k, v] of Object.entries(filters.payloads)) {
      if (v === null || v === undefined) continue
      const raw = typeof v === 'string' ? v : JSON.stringify(v)
      payloads.set(k, { raw, parsed: deepFreeze(decodePayload(raw)) })
    }
  }
  const flag: CompiledFlag = {
    index,
    key: def.key,
    id: typeof def.id === 'number' ? def.id : Number(def.id),
    version: typeof def.version === 'number' ? def.version : undefined,
    // Like the official SDKs, only an explicit `active: true` enables a flag.
    active: def.active === true && def.deleted !== true,
    aggregation: aggregationFor(filters.aggregation_group_type_index, ctx),
    bucketByDevice: def.bucketing_identifier === 'device_id' || filters.bucketing_identifier === 'device_id',
    experienceContinuity: def.ensure_experience_continuity === true,
    hashFree: false,
    earlyExit: filters.early_exit === true,
    failClosed,
    holdout: null,
    superCondition: null,
    conditions: [],
    variantKeys,
    variantBounds,
    payloads,
    disabledResult: undefined as unknown as LocalFlagResult,
    noMatchResult: undefined as unknown as LocalFlagResult,
    noGroupResult: undefined as unknown as LocalFlagResult,
    missingDependencyResult: undefined as unknown as LocalFlagResult,
  }
  flag.disabledResult = makeResult(flag, false, reason('flag_disabled', null))
  flag.noMatchResult = makeResult(flag, false, reason('no_condition_match', 0))
  flag.noGroupResult = makeResult(flag, false, reason('no_group_type', 0))
  flag.missingDependencyResult = makeResult(flag, false, reason('missing_dependency', null))
  const holdout = filters.holdout
  const legacyHoldout = Array.isArray(filters.holdout_groups) ? filters.holdout_groups[0] : undefined
  if (isRecord(holdout) && holdout.id !== undefined && typeof holdout.exclusion_percentage === 'number') {
    flag.holdout = {
      threshold: holdout.exclusion_percentage / 100,
      result: makeResult(flag, `holdout-${holdout.id}`, reason('holdout_condition_value', null)),
    }
  } else if (isRecord(legacyHoldout) && typeof legacyHoldout.variant === 'string' && typeof legacyHoldout.rollout_percentage === 'number') {
    flag.holdout = {
      threshold: legacyHoldout.rollout_percentage / 100,
      result: makeResult(flag, legacyHoldout.variant, reason('holdout_condition_value', null)),
    }
  }
  const superGroup = Array.isArray(filters.super_groups) ? filters.super_groups[0] : undefined
  const superProperties = isRecord(superGroup) && Array.isArray(superGroup.properties) ? superGroup.properties.filter(isRecord) : []
  if (superProperties.length > 0 && typeof superProperties[0].key === 'string') {
    const why = reason('super_condition_value', 0)
    flag.superCondition = {
      enrollmentKey: superProperties[0].key,
      filters: combine(true, superProperties.map((p) => compileFilter(p, ctx, PERSON))),
      matched: makeResult(flag, true, why),
      unmatched: makeResult(flag, false, why),
    }
  }
  const conditions = Array.isArray(filters.groups) ? filters.groups : []
  flag.conditions = conditions.map((c, i) => compileCondition(isRecord(c) ? (c as FlagCondition) : {}, i, flag, ctx))
  const variantFixed = flag.variantKeys.length === 0 || flag.variantBounds.some((upper, i) => (i === 0 ? 0 : flag.variantBounds[i - 1]) <= 0 && upper >= 1)
  flag.hashFree = flag.holdout === null && flag.conditions.every((c) => c.threshold === null && (c.variantOverride !== null || variantFixed))
  return flag
}

function compileCondition(condition: FlagCondition, index: number, flag: CompiledFlag, ctx: FilterContext): CompiledCondition {
  // Mixed targeting: a condition may aggregate differently from its flag.
  const aggregation =
    'aggregation_group_type_index' in condition && condition.aggregation_group_type_index !== undefined
      ? aggregationFor(condition.aggregation_group_type_index, ctx)
      : flag.aggregation
  const source = sourceOf(aggregation)
  const properties = Array.isArray(condition.properties) ? condition.properties : []
  const nodes = properties.filter(isRecord).map((p) => compileFilter(p, ctx, source))
  const filters = nodes.length === 0 ? constant(YES) : combine(true, nodes)
  const rollout = condition.rollout_percentage
  const threshold = typeof rollout === 'number' && rollout < 100 ? rollout / 100 : null
  const override = typeof condition.variant === 'string' && flag.variantKeys.includes(condition.variant) ? condition.variant : null
  return {
    index,
    filters,
    threshold,
    variantOverride: override,
    aggregation,
    matchReason: reason('condition_match', index),
    rolloutReason: reason('out_of_rollout_bound', index),
    noGroupReason: reason('no_group_type', index),
    results: new Map(),
  }
}

/** Builds a frozen result; payloads apply to enabled values only. */
export function makeResult(flag: CompiledFlag, value: boolean | string, why: FlagReason): LocalFlagResult {
  const payload = value === false ? undefined : flag.payloads.get(value === true ? 'true' : value)
  return Object.freeze({
    key: flag.key,
    value,
    enabled: value !== false,
    variant: typeof value === 'string' ? value : null,
    payload: payload?.parsed,
    rawPayload: payload?.raw,
    reason: why,
    id: flag.id,
    version: flag.version,
  })
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const v of Object.values(value)) deepFreeze(v)
  }
  return value
}
