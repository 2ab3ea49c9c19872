import { compileFlags, evaluateFlag } from '../../src/engine/engine.js'
import type { CompileOptions, EvaluationSubject, FlagDefinition, PropertyFilter } from '../../src/engine/engine.js'

export type Verdict = true | false | 'inconclusive'

/** A one-condition flag (100% rollout) with the given filters. */
export function flagWith(filters: PropertyFilter[], key = 'f'): FlagDefinition {
  return { id: 1, key, active: true, filters: { groups: [{ properties: filters, rollout_percentage: 100 }] } }
}

/** Evaluates one filter against person properties; true/false, or 'inconclusive'. */
export function check(filter: PropertyFilter, personProperties: Record<string, unknown>, options: CompileOptions = {}): Verdict {
  return verdict(compileFlags({ flags: [flagWith([{ type: 'person', ...filter }])] }, options), 'f', { distinctId: 'user-1', personProperties })
}

export function verdict(compiled: ReturnType<typeof compileFlags>, key: string, subject: EvaluationSubject): Verdict {
  const e = evaluateFlag(compiled, key, subject)
  if (e.kind === 'missing') throw new Error(`flag ${key} missing`)
  if (e.kind === 'inconclusive') return 'inconclusive'
  return e.result.enabled
}
