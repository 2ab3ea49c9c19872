/**
 * The compiled filter tree's building blocks shared by the filter and cohort compilers:
 * the compile context, constant nodes and negation.
 */
import type { FilterNode } from './evaluate-scope.js'
import type { EvaluationMode, OperatorOptions } from './operators.js'
import { NO, YES } from './operators-values.js'
import type { Outcome } from './operators-values.js'
import type { PropertyGroup } from './types.js'

export interface FilterContext {
  readonly mode: EvaluationMode
  readonly operators: OperatorOptions
  readonly groupTypeMapping: Readonly<Record<string, string>>
  readonly cohorts: Readonly<Record<string, PropertyGroup>>
  /** Compiled cohorts by id, filled on first use (a cohort referenced twice compiles once). */
  readonly compiledCohorts: Map<string, FilterNode>
  /** Flag key → index in the compiled definitions. */
  readonly flagIndex: ReadonlyMap<string, number>
  /** Flags (by index) that cannot be evaluated: missing or on a dependency cycle. */
  readonly brokenFlags: ReadonlySet<number>
}

export function constant(outcome: Outcome): FilterNode {
  return { run: () => outcome, constant: outcome }
}

/** Negation inverts decided outcomes only. */
export function negate(node: FilterNode): FilterNode {
  if (node.constant !== undefined) return constant(invert(node.constant))
  const run = node.run
  return { run: (scope) => invert(run(scope)) }
}

function invert(o: Outcome): Outcome {
  return o === YES ? NO : o === NO ? YES : o
}
