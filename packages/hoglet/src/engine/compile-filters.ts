/**
 * Compiles property filters, flag-dependency filters and cohort trees into {@link FilterNode}s.
 * Everything that can be decided from the definitions alone is decided here, once.
 */
import { cohortNode } from './cohorts.js'
import { constant, negate } from './filter-nodes.js'
import type { FilterContext } from './filter-nodes.js'
import { groupProperty, MISSING, personProperty } from './evaluate-scope.js'
import type { FilterNode, Scope } from './evaluate-scope.js'
import { compilePropertyTest, missingKeyOutcome } from './operators.js'
import { NO, REMOTE, UNDECIDED, YES } from './operators-values.js'
import type { Outcome } from './operators-values.js'
import type { PropertyFilter, PropertyGroup } from './types.js'

/** Where a filter reads its properties: the person, or the subject's group of a given type. */
export type PropertySource = { kind: 'person' } | { kind: 'group'; name: string } | { kind: 'unknown-group' }

export const PERSON: PropertySource = { kind: 'person' }

/** The group type name for an index, or undefined when the mapping does not know it. */
export function groupName(ctx: FilterContext, index: number): string | undefined {
  return ctx.groupTypeMapping[String(index)]
}

/** Compiles one entry of a condition or cohort: a property, cohort or flag filter. */
export function compileFilter(filter: PropertyFilter, ctx: FilterContext, defaultSource: PropertySource): FilterNode {
  let node: FilterNode
  if (filter.type === 'cohort') node = cohortNode(filter, ctx, compilePropertyGroup)
  else if (filter.type === 'flag') node = flagDependencyNode(filter, ctx)
  else node = propertyNode(filter, ctx, sourceFor(filter, ctx, defaultSource))
  return filter.negation === true ? negate(node) : node
}

function sourceFor(filter: PropertyFilter, ctx: FilterContext, defaultSource: PropertySource): PropertySource {
  if (filter.type === 'person' || filter.type === 'person_metadata') return PERSON
  if (filter.type === 'group' && typeof filter.group_type_index === 'number') {
    const name = groupName(ctx, filter.group_type_index)
    return name === undefined ? { kind: 'unknown-group' } : { kind: 'group', name }
  }
  return defaultSource
}

/**
 * Where a server that holds person metadata (the persons table's `created_at`) puts it among
 * the person properties, so a `person_metadata` filter never reads a user-set property of the
 * same name. PostHog's server uses this prefix; hoglet-server does the same.
 */
export const PERSON_METADATA_PREFIX = '__posthog_person_metadata__'

function propertyNode(filter: PropertyFilter, ctx: FilterContext, source: PropertySource): FilterNode {
  const written = typeof filter.key === 'string' ? filter.key : String(filter.key)
  const key = filter.type === 'person_metadata' ? PERSON_METADATA_PREFIX + written : written
  const operator = filter.operator ?? 'exact'
  const test = compilePropertyTest(filter, ctx.operators)
  const onMissing = missingKeyOutcome(filter, ctx.mode)
  if (source.kind === 'unknown-group') return constant(ctx.mode === 'local' ? UNDECIDED : NO)
  if (source.kind === 'person') {
    return {
      run: (scope) => {
        const v = personProperty(scope, key)
        return v === MISSING ? onMissing : test(v, scope)
      },
    }
  }
  const name = source.name
  return {
    run: (scope) => {
      const v = groupProperty(scope, name, key)
      if (v === undefined) return NO // the subject is not in a group of this type
      return v === MISSING ? onMissing : test(v, scope)
    },
  }
}

/**
 * `flag_evaluates_to`: true when the other flag's value matches. A malformed filter never
 * matches; a target that is missing or on a cycle is undecidable locally (the server fails the
 * whole flag closed, which compile.ts handles).
 */
function flagDependencyNode(filter: PropertyFilter, ctx: FilterContext): FilterNode {
  const expected = filter.value
  if (
    filter.operator !== 'flag_evaluates_to' ||
    typeof filter.key !== 'string' ||
    filter.key === '' ||
    (typeof expected !== 'boolean' && typeof expected !== 'string')
  ) {
    return constant(NO)
  }
  const index = ctx.flagIndex.get(filter.key)
  if (index === undefined || ctx.brokenFlags.has(index)) return constant(ctx.mode === 'local' ? UNDECIDED : NO)
  return {
    run: (scope: Scope) => {
      const actual = scope.flagValue(index)
      if (actual === undefined) return UNDECIDED
      return dependencyMatches(expected, actual) ? YES : NO
    },
  }
}

/** A variant satisfies `true` (and a named variant only itself); booleans compare as booleans. */
export function dependencyMatches(expected: boolean | string, actual: boolean | string): boolean {
  if (typeof actual === 'string') {
    if (actual === '') return false
    return typeof expected === 'boolean' ? expected : expected === actual
  }
  return typeof expected === 'boolean' && expected === actual
}

function isGroup(entry: unknown): entry is PropertyGroup {
  if (typeof entry !== 'object' || entry === null) return false
  const e = entry as Record<string, unknown>
  return 'values' in e || e.type === 'AND' || e.type === 'OR' || Object.keys(e).length === 0
}

/**
 * An AND/OR tree (cohort definitions). A decided entry settles the group (NO for AND, YES for
 * OR) even if others are undecided or need the server; otherwise "needs the server" outranks
 * "undecided".
 */
export function compilePropertyGroup(group: unknown, ctx: FilterContext): FilterNode {
  if (typeof group !== 'object' || group === null || Array.isArray(group)) return constant(ctx.mode === 'local' ? REMOTE : NO)
  const g = group as Partial<PropertyGroup>
  if (g.type === undefined && g.values === undefined) return constant(YES) // `{}` matches
  if ((g.type !== 'AND' && g.type !== 'OR') || !Array.isArray(g.values)) return constant(ctx.mode === 'local' ? REMOTE : NO)
  if (g.values.length === 0) return constant(YES)
  const nodes: FilterNode[] = []
  for (const entry of g.values) {
    if (typeof entry !== 'object' || entry === null) return constant(ctx.mode === 'local' ? REMOTE : NO)
    nodes.push(isGroup(entry) ? compilePropertyGroup(entry, ctx) : compileFilter(entry as PropertyFilter, ctx, PERSON))
  }
  return combine(g.type === 'AND', nodes)
}

/** AND/OR over nodes, folding constants at compile time. */
export function combine(and: boolean, input: FilterNode[]): FilterNode {
  const decisive = and ? NO : YES
  const fallthrough: Outcome = and ? YES : NO
  if (input.some((n) => n.constant === decisive)) return constant(decisive)
  // What the constant entries contribute when nothing is decisive.
  let always: Outcome = fallthrough
  if (input.some((n) => n.constant === REMOTE)) always = REMOTE
  else if (input.some((n) => n.constant === UNDECIDED)) always = UNDECIDED
  const live = input.filter((n) => n.constant === undefined).map((n) => n.run)
  if (live.length === 0) return constant(always)
  return {
    run: (scope) => {
      let result = always
      for (let i = 0; i < live.length; i++) {
        const o = live[i](scope)
        if (o === decisive) return o
        if (o === REMOTE || (o === UNDECIDED && result !== REMOTE)) result = o
      }
      return result
    },
  }
}
