/**
 * Evaluates compiled flags for one subject: synchronous, no I/O, results shared from the
 * compiled set. Order of checks per flag: disabled → failed dependency (server mode) →
 * experience continuity (local mode) → group / bucketing → holdout → early-access enrollment →
 * conditions in order.
 */
import type { CompiledCondition, CompiledFlag, CompiledFlagSet } from './compile.js'
import { makeResult } from './compile.js'
import type { CompiledFlags, EvaluationSubject, FlagEvaluation, FlagValue, LocalFlagResult } from './engine-types.js'
import { MISSING, personProperty, readProperty } from './evaluate-scope.js'
import type { Scope } from './evaluate-scope.js'
import { NO, REMOTE, UNDECIDED } from './operators-values.js'
import { createRegexBudget, type RegexBudget } from './operators-regex.js'

/** Why a flag could not be decided locally (the caller falls back to the server). */
class Undecided {
  constructor(readonly why: string) {}
}

const IN_PROGRESS = new Undecided('flag dependency cycle')
const EMPTY_PROPS: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>
const EMPTY_SUBJECT: EvaluationSubject = Object.freeze({ distinctId: '' })

type Outcome = LocalFlagResult | Undecided

class EvaluationScope implements Scope {
  readonly person: Record<string, unknown>
  private nowMs = NaN
  /** Per-flag outcomes of this evaluation, so dependencies are evaluated once. */
  private cache: Array<Outcome | undefined> | undefined

  readonly subject: EvaluationSubject

  constructor(
    private readonly set: CompiledFlagSet,
    subject: EvaluationSubject,
    /** Shared by every regex search of this evaluation (see operators-regex.ts). */
    readonly regexBudget: RegexBudget = createRegexBudget(),
  ) {
    // Malformed subjects are read as "nothing known" rather than throwing into the caller.
    this.subject = typeof subject === 'object' && subject !== null ? subject : EMPTY_SUBJECT
    const props = this.subject.personProperties
    this.person = typeof props === 'object' && props !== null ? props : EMPTY_PROPS
  }

  now(): number {
    if (Number.isNaN(this.nowMs)) this.nowMs = this.set.now()
    return this.nowMs
  }

  outcome(flag: CompiledFlag): Outcome {
    const cache = (this.cache ??= new Array(this.set.flags.length))
    const cached = cache[flag.index]
    if (cached !== undefined) return cached
    cache[flag.index] = IN_PROGRESS
    const result = evaluateCompiled(this.set, flag, this)
    cache[flag.index] = result
    return result
  }

  flagValue(index: number): FlagValue | undefined {
    const o = this.outcome(this.set.flags[index])
    return o instanceof Undecided ? undefined : o.value
  }
}

function internal(compiled: CompiledFlags): CompiledFlagSet {
  const set = compiled as CompiledFlagSet
  if (!set || !Array.isArray(set.flags) || !(set.byKey instanceof Map)) throw new TypeError('`compiled` must come from compileFlags()')
  return set
}

/**
 * Evaluates one flag. Never throws for bad subject data; such data just fails to match.
 * `budget` (from `createRegexBudget()`) lets several calls share one regex step budget, as
 * the flags of one `evaluateAllFlags` do; each call has its own otherwise.
 */
export function evaluateFlag(compiled: CompiledFlags, key: string, subject: EvaluationSubject, budget?: RegexBudget): FlagEvaluation {
  const set = internal(compiled)
  const flag = set.byKey.get(key)
  if (!flag) return { kind: 'missing' }
  const outcome = new EvaluationScope(set, subject, budget).outcome(flag)
  return outcome instanceof Undecided ? { kind: 'inconclusive', why: outcome.why } : { kind: 'evaluated', result: outcome }
}

/**
 * Evaluates every flag (or the given keys; unknown keys are skipped). Inactive flags are
 * included, as `false` with reason `flag_disabled`. Dependencies are evaluated once and shared,
 * and so is one regex step budget (a fresh one unless `budget` is given).
 */
export function evaluateAllFlags(
  compiled: CompiledFlags,
  subject: EvaluationSubject,
  keys?: readonly string[],
  budget?: RegexBudget,
): { results: Record<string, LocalFlagResult>; inconclusive: string[] } {
  const set = internal(compiled)
  const scope = new EvaluationScope(set, subject, budget)
  const results: Record<string, LocalFlagResult> = {}
  const inconclusive: string[] = []
  const visit = (flag: CompiledFlag): void => {
    const outcome = scope.outcome(flag)
    if (outcome instanceof Undecided) inconclusive.push(flag.key)
    else if (flag.key === '__proto__') Object.defineProperty(results, flag.key, { value: outcome, enumerable: true, writable: true, configurable: true })
    else results[flag.key] = outcome
  }
  if (keys === undefined) {
    for (const flag of set.flags) visit(flag)
  } else {
    const seen = new Set<string>()
    for (const key of keys) {
      const flag = set.byKey.get(key)
      if (flag && !seen.has(key)) {
        seen.add(key)
        visit(flag)
      }
    }
  }
  return { results, inconclusive }
}

/** The bucketing value of a subject for an aggregation; undefined when the subject has none. */
function groupKeyOf(subject: EvaluationSubject, name: string): string | undefined {
  const key = readProperty(subject.groups, name)
  if (key === MISSING || key === null) return undefined
  if (typeof key === 'string') return key
  // A number is its decimal text; any other kind of key (a boolean, an object) is unusable.
  return typeof key === 'number' ? String(key) : UNUSABLE_KEY
}

/** Stands for a group key the server cannot hash (not a string or a number): no match. */
const UNUSABLE_KEY = '\u0000unusable group key'

function evaluateCompiled(set: CompiledFlagSet, flag: CompiledFlag, scope: EvaluationScope): Outcome {
  if (!flag.active) return flag.disabledResult
  if (flag.failClosed) return flag.missingDependencyResult
  const local = set.mode === 'local'
  // A stored hash key override only matters when the outcome depends on the hash.
  if (flag.experienceContinuity && local && !flag.hashFree) return new Undecided('experience continuity needs the server')

  const subject = scope.subject
  let bucketing: string
  const agg = flag.aggregation
  if (agg.kind === 'unknown-group') {
    if (local) return new Undecided(`unknown group type index ${agg.index}`)
    return flag.noGroupResult
  } else if (agg.kind === 'group') {
    const groupKey = groupKeyOf(subject, agg.name)
    if (groupKey === undefined) return flag.noGroupResult
    if (groupKey === UNUSABLE_KEY) return flag.noMatchResult
    bucketing = groupKey
  } else if (flag.bucketByDevice) {
    const deviceId = subject.deviceId
    if (typeof deviceId === 'string' && deviceId !== '') bucketing = deviceId
    else if (local) return new Undecided('flag buckets by device id and none was given')
    else return flag.noMatchResult // the server does not fall back to the distinct id
  } else {
    bucketing = typeof subject.distinctId === 'string' ? subject.distinctId : String(subject.distinctId ?? '')
    if (flag.experienceContinuity && !local) {
      const stored = readProperty(subject.hashKeys, flag.key)
      if (typeof stored === 'string') bucketing = stored
    }
  }

  if (flag.holdout && set.hasher.holdout(bucketing) <= flag.holdout.threshold) return flag.holdout.result

  // Early-access enrollment decides when the person has the enrollment property. When it is
  // absent, the normal conditions apply (the server knows it is not set; the SDK assumes so,
  // as the official SDKs do).
  const enrollment = flag.superCondition
  if (enrollment && personProperty(scope, enrollment.enrollmentKey) !== MISSING) {
    const o = enrollment.filters.run(scope)
    if (o === UNDECIDED || o === REMOTE) return new Undecided('an early-access condition could not be decided')
    return o === NO ? enrollment.unmatched : enrollment.matched
  }

  // Conditions in order. Undecided ones are remembered: a later match only stands if none of
  // them could have produced a different value.
  // The rollout hash depends only on the bucketing value: compute the flag's at most once.
  let flagHash = -1
  let undecided: CompiledCondition[] | undefined
  let needsServer = false // an undecided condition uses a cohort the definitions do not include
  let best = flag.noMatchResult
  let bestRank = 0 // 0 no_condition_match, 1 out_of_rollout_bound, 2 no_group_type
  for (const condition of flag.conditions) {
    let conditionBucketing = bucketing
    if (condition.aggregation !== agg) {
      const ca = condition.aggregation
      if (ca.kind === 'group') {
        const key = groupKeyOf(subject, ca.name)
        if (key === undefined) {
          if (bestRank < 2) {
            best = resultFor(flag, condition, false, 'no_group')
            bestRank = 2
          }
          continue
        }
        if (key === UNUSABLE_KEY) continue
        conditionBucketing = key
      } else if (ca.kind === 'unknown-group') {
        continue
      } else {
        conditionBucketing = subject.distinctId
      }
    }
    const matched = condition.filters.run(scope)
    if (matched === NO) continue
    if (matched === UNDECIDED || matched === REMOTE) {
      // Decided later only if this condition could not have changed the answer.
      ;(undecided ??= []).push(condition)
      if (matched === REMOTE) needsServer = true
      continue
    }
    let hash = 0
    if (condition.threshold !== null) {
      if (conditionBucketing !== bucketing) hash = set.hasher.rollout(flag.key, conditionBucketing)
      else hash = flagHash < 0 ? (flagHash = set.hasher.rollout(flag.key, bucketing)) : flagHash
    }
    if (condition.threshold !== null && hash > condition.threshold) {
      if (flag.earlyExit) {
        if (undecided && undecided.some((u) => wouldPassRollout(set, flag, u, scope, bucketing)))
          return new Undecided('an earlier condition could not be decided')
        return resultFor(flag, condition, false, 'rollout')
      }
      if (bestRank < 1) {
        best = resultFor(flag, condition, false, 'rollout')
        bestRank = 1
      }
      continue
    }
    const value = valueFor(set, flag, condition, conditionBucketing)
    if (undecided) {
      for (const u of undecided) {
        if (!wouldPassRollout(set, flag, u, scope, bucketing)) {
          // Had it matched, its rollout miss would have ended the flag as false.
          if (flag.earlyExit) return new Undecided('an earlier condition could not be decided')
          continue
        }
        if (valueFor(set, flag, u, bucketingFor(flag, u, subject, bucketing)) !== value)
          return new Undecided('an earlier condition could not be decided')
      }
    }
    return resultFor(flag, condition, value, 'match')
  }
  if (undecided) {
    // No condition matched. The undecided ones change nothing if each would miss its rollout
    // anyway and the reported rollout miss would still be the earlier one (or the group miss).
    const settled =
      !flag.earlyExit &&
      undecided.every((u) => !wouldPassRollout(set, flag, u, scope, bucketing) && (bestRank === 2 || (bestRank === 1 && (best.reason.conditionIndex ?? 0) < u.index)))
    if (!settled) return new Undecided(needsServer ? 'a cohort is not in the definitions (static cohort)' : 'a property needed by a condition was not given')
  }
  return best
}

function bucketingFor(flag: CompiledFlag, condition: CompiledCondition, subject: EvaluationSubject, flagBucketing: string): string {
  if (condition.aggregation === flag.aggregation) return flagBucketing
  if (condition.aggregation.kind === 'group') return groupKeyOf(subject, condition.aggregation.name) ?? flagBucketing
  return subject.distinctId
}

function wouldPassRollout(set: CompiledFlagSet, flag: CompiledFlag, condition: CompiledCondition, scope: EvaluationScope, flagBucketing: string): boolean {
  if (condition.threshold === null) return true
  return set.hasher.rollout(flag.key, bucketingFor(flag, condition, scope.subject, flagBucketing)) <= condition.threshold
}

/** The value of a matched condition: its declared override, else the hashed variant, else true. */
function valueFor(set: CompiledFlagSet, flag: CompiledFlag, condition: CompiledCondition, bucketing: string): FlagValue {
  if (condition.variantOverride !== null) return condition.variantOverride
  const bounds = flag.variantBounds
  if (bounds.length === 0) return true
  const h = set.hasher.variant(flag.key, bucketing)
  let min = 0
  for (let i = 0; i < bounds.length; i++) {
    if (h >= min && h < bounds[i]) return flag.variantKeys[i]
    min = bounds[i]
  }
  return true
}

function resultFor(flag: CompiledFlag, condition: CompiledCondition, value: FlagValue, kind: 'match' | 'rollout' | 'no_group'): LocalFlagResult {
  const cacheKey = kind === 'match' ? value : kind === 'rollout' ? '\u0000rollout' : '\u0000no_group'
  const cached = condition.results.get(cacheKey as string | true)
  if (cached) return cached
  const why = kind === 'match' ? condition.matchReason : kind === 'rollout' ? condition.rolloutReason : condition.noGroupReason
  const result = makeResult(flag, value, why)
  condition.results.set(cacheKey as string | true, result)
  return result
}
