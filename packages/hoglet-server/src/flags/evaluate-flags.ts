import { createHash } from 'node:crypto'
import { parseRuntime, servesRuntime, type EvaluationRuntime } from './evaluation-runtime.js'
import { compileFlags, createRegexBudget, evaluateFlag, type CompiledFlags, type FlagDefinitionsResponse } from 'hoglet/engine'
export { PERSON_METADATA_PREFIX } from 'hoglet/engine'

/** Definitions compiled once per change, with what `/flags` reports beside each value. */
export interface CompiledDefinitions {
  engine: CompiledFlags
  /** Active, non-deleted flags in definitions order: the ones `/flags` answers for. */
  served: FlagMeta[]
  /** Keys of the served flags with `ensure_experience_continuity` (they use stored hash keys). */
  continuityKeys: string[]
}

interface FlagMeta {
  key: string
  id: number
  version: number
  hasExperiment: boolean
  /** `evaluation_tags`: when non-empty, the flag answers only requests naming one of them. */
  tags: ReadonlySet<string>
  /** `evaluation_runtime`: the runtime the flag is meant for (`all` when absent or unknown). */
  runtime: EvaluationRuntime
}

/** Who to evaluate for: the request's values already merged over the stored ones. */
export interface EvaluationInput {
  distinctId: string
  /** Group type → key as the request gave it (a string or number; anything else never matches). */
  groups: Record<string, unknown>
  personProperties: Record<string, unknown>
  groupProperties: Record<string, Record<string, unknown>>
  deviceId?: string | undefined
  /** The person's stored hash keys for experience-continuity flags (flag key → hash key). */
  hashKeys?: Record<string, string> | undefined
}

/** One flag's answer in the terms of `/flags?v=2`. */
export interface FlagAnswer {
  key: string
  enabled: boolean
  variant: string | null
  /** The stored payload (a JSON-encoded string), or null. */
  payload: string | null
  reason: { code: string; condition_index: number | null; description: string }
  id: number
  version: number
  description: string | null
  hasExperiment: boolean
  /** Set when the engine could not evaluate the flag. */
  failed?: true
}

const sha1Hex = (s: string): string => createHash('sha1').update(s).digest('hex')

/**
 * Milliseconds one request may spend evaluating flags. The engine bounds the regex tests of
 * one request (one shared step budget), and this bounds everything else; past
 * this budget the remaining flags answer as failed (`errorsWhileComputingFlags`), so one
 * request never holds the event loop for long.
 */
export const EVALUATION_BUDGET_MS = 100

/** Compiles definitions with hoglet's own engine in server mode (authoritative: missing properties are unset). */
export function compileDefinitions(defs: FlagDefinitionsResponse): CompiledDefinitions {
  const engine = compileFlags(defs, { mode: 'server', sha1Hex })
  const served: FlagMeta[] = []
  const continuityKeys: string[] = []
  for (const f of defs.flags) {
    if (f.deleted || f.active === false) continue
    if (f.ensure_experience_continuity === true) continuityKeys.push(f.key)
    served.push({
      key: f.key,
      id: f.id,
      version: f.version ?? 1,
      hasExperiment: f.has_experiment === true,
      tags: new Set(f.evaluation_tags ?? []),
      runtime: parseRuntime(f.evaluation_runtime),
    })
  }
  return { engine, served, continuityKeys }
}

/**
 * Evaluates the served flags for one subject. `keys` limits the answer to those flags
 * (`flag_keys_to_evaluate`); `contexts` drops flags whose evaluation tags it does not name;
 * `runtime` drops flags meant for another runtime (undefined: the request's runtime is unknown,
 * only flags for every runtime answer). Without `runtime` in the filter, no flag is dropped for it.
 */
export function evaluateFlags(
  compiled: CompiledDefinitions,
  input: EvaluationInput,
  filter: { keys?: ReadonlySet<string> | undefined; contexts?: ReadonlySet<string> | undefined; runtime?: EvaluationRuntime | undefined; budgetMs?: number } = {},
): Map<string, FlagAnswer> {
  const deadline = performance.now() + (filter.budgetMs ?? EVALUATION_BUDGET_MS)
  // One regex step budget for the whole request, as one getAllFlags has in the SDK.
  const regexBudget = createRegexBudget()
  let outOfTime = false
  const subject = {
    distinctId: input.distinctId,
    deviceId: input.deviceId,
    groups: input.groups as Record<string, string | number>,
    personProperties: input.personProperties,
    groupProperties: input.groupProperties,
    hashKeys: input.hashKeys,
  }
  const out = new Map<string, FlagAnswer>()
  for (const meta of compiled.served) {
    if (filter.keys && !filter.keys.has(meta.key)) continue
    if (filter.contexts && meta.tags.size > 0 && ![...meta.tags].some((t) => filter.contexts!.has(t))) continue
    if ('runtime' in filter && !servesRuntime(meta.runtime, filter.runtime)) continue
    const base = { key: meta.key, id: meta.id, version: meta.version, description: null, hasExperiment: meta.hasExperiment }
    outOfTime ||= performance.now() > deadline
    if (outOfTime) {
      out.set(meta.key, { ...base, ...FAILED, reason: { code: 'evaluation_error', condition_index: null, description: 'evaluation time budget of the request exceeded' } })
      continue
    }
    const evaluation = evaluateFlag(compiled.engine, meta.key, subject, regexBudget)
    if (evaluation.kind === 'evaluated') {
      const r = evaluation.result
      out.set(meta.key, {
        ...base,
        enabled: r.enabled,
        variant: r.variant,
        payload: r.rawPayload ?? null,
        reason: { code: r.reason.code, condition_index: r.reason.conditionIndex, description: r.reason.description },
      })
    } else {
      const why = evaluation.kind === 'inconclusive' ? evaluation.why : 'flag not found'
      out.set(meta.key, { ...base, ...FAILED, reason: { code: 'evaluation_error', condition_index: null, description: why } })
    }
  }
  return out
}

const FAILED = { enabled: false, variant: null, payload: null, failed: true } as const
