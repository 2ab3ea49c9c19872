/** The per-evaluation state that compiled filters read. */
import type { EvaluationSubject, FlagValue } from './engine-types.js'
import type { TestScope } from './operators.js'

/** Marks an absent property (distinct from a present `null`). */
export const MISSING: unique symbol = Symbol('missing')

export interface Scope extends TestScope {
  readonly subject: EvaluationSubject
  readonly person: Record<string, unknown>
  /** Another flag's value for this subject (memoized per evaluation); undefined when undecidable. */
  flagValue(index: number): FlagValue | undefined
}

/** A compiled filter or filter group. `constant` is set when the outcome never varies. */
export interface FilterNode {
  run: (scope: Scope) => 0 | 1 | 2 | 3
  constant?: 0 | 1 | 2 | 3
}

const hasOwn = Object.prototype.hasOwnProperty

/** Reads a property, treating prototype members and `undefined` as absent. */
export function readProperty(props: Record<string, unknown> | undefined, key: string): unknown {
  if (typeof props !== 'object' || props === null) return MISSING
  const v = props[key]
  if (v === undefined) return MISSING
  if ((typeof v === 'function' || key === '__proto__') && !hasOwn.call(props, key)) return MISSING
  return v
}

/** A person property; `distinct_id` defaults to the subject's distinct id. */
export function personProperty(scope: Scope, key: string): unknown {
  const v = readProperty(scope.person, key)
  if (v === MISSING && key === 'distinct_id') return scope.subject.distinctId
  return v
}

/**
 * A property of the subject's group of type `groupName`; `$group_key` defaults to the group key.
 * Returns undefined (not MISSING) when the subject is not in such a group at all.
 */
export function groupProperty(scope: Scope, groupName: string, key: string): unknown {
  const groupKey = readProperty(scope.subject.groups, groupName)
  if (groupKey === MISSING) return undefined
  const v = readProperty(scope.subject.groupProperties?.[groupName], key)
  if (v === MISSING && key === '$group_key') return groupKey
  return v
}
