/**
 * Cohort filters (`type: "cohort"`, value = cohort id). Cohorts arrive with the definitions
 * (`send_cohorts`) as AND/OR trees and compile once per load; a cohort may nest others.
 * A cohort the definitions do not include is static (its members live on the server): locally
 * the whole flag goes to the server; the server itself treats it as "not a member".
 */
import { constant, negate } from './filter-nodes.js'
import type { FilterContext } from './filter-nodes.js'
import type { FilterNode } from './evaluate-scope.js'
import { NO, REMOTE, UNDECIDED } from './operators-values.js'
import type { PropertyFilter } from './types.js'

// A placeholder while a cohort compiles, so a cycle between cohorts ends instead of recursing.
const IN_PROGRESS: FilterNode = { run: () => UNDECIDED, constant: UNDECIDED }

/** A function compiling a property group, passed in so a cohort's tree compiles like a condition's. */
export type GroupCompiler = (group: unknown, ctx: FilterContext) => FilterNode

export function cohortNode(filter: PropertyFilter, ctx: FilterContext, compileGroup: GroupCompiler): FilterNode {
  const operator = filter.operator ?? 'in'
  if (operator !== 'in' && operator !== 'exact' && operator !== 'not_in') return constant(ctx.mode === 'local' ? UNDECIDED : NO)
  const membership = cohortMembership(String(filter.value), ctx, compileGroup)
  return operator === 'not_in' ? negate(membership) : membership
}

/** The membership test of one cohort, compiled once; a cycle between cohorts is undecidable. */
function cohortMembership(id: string, ctx: FilterContext, compileGroup: GroupCompiler): FilterNode {
  const cached = ctx.compiledCohorts.get(id)
  if (cached) return cached === IN_PROGRESS ? constant(ctx.mode === 'local' ? UNDECIDED : NO) : cached
  if (!Object.prototype.hasOwnProperty.call(ctx.cohorts, id)) return constant(ctx.mode === 'local' ? REMOTE : NO)
  ctx.compiledCohorts.set(id, IN_PROGRESS)
  const node = compileGroup(ctx.cohorts[id], ctx)
  ctx.compiledCohorts.set(id, node)
  return node
}
