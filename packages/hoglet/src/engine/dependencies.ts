/**
 * Flag dependencies (`type: "flag"` filters): which flags each flag reads, and which flags can
 * never be evaluated because a dependency is missing or on a cycle. Computed from the
 * filters themselves; the definitions' `dependency_chain` is not trusted.
 */
import type { FlagDefinition, PropertyGroup } from './types.js'

export interface DependencyAnalysis {
  /** Flags that depend on a flag the definitions do not contain (directly). */
  missingTarget: Set<number>
  /** Flags on a dependency cycle. */
  onCycle: Set<number>
  /** Flags that reach a missing target or a cycle through any chain of dependencies. */
  transitivelyBroken: Set<number>
}

/** Flag keys referenced by `type: "flag"` filters of a flag's conditions and of its cohorts. */
export function dependencyKeys(flag: FlagDefinition, cohorts: Readonly<Record<string, PropertyGroup>>): string[] {
  const keys: string[] = []
  const seenCohorts = new Set<string>()
  const visit = (entry: unknown): void => {
    if (typeof entry !== 'object' || entry === null) return
    const e = entry as { values?: unknown; type?: unknown; key?: unknown; value?: unknown }
    if (Array.isArray(e.values)) {
      for (const v of e.values) visit(v)
      return
    }
    if (e.type === 'flag' && typeof e.key === 'string' && e.key !== '') keys.push(e.key)
    if (e.type === 'cohort') {
      const id = String(e.value)
      if (!seenCohorts.has(id) && Object.prototype.hasOwnProperty.call(cohorts, id)) {
        seenCohorts.add(id)
        visit(cohorts[id])
      }
    }
  }
  for (const condition of flag.filters?.groups ?? []) for (const p of condition?.properties ?? []) visit(p)
  return keys
}

export function analyzeDependencies(
  flags: readonly FlagDefinition[],
  flagIndex: ReadonlyMap<string, number>,
  cohorts: Readonly<Record<string, PropertyGroup>>,
): DependencyAnalysis {
  const edges: number[][] = []
  const missingTarget = new Set<number>()
  flags.forEach((flag, i) => {
    const targets: number[] = []
    for (const key of dependencyKeys(flag, cohorts)) {
      const t = flagIndex.get(key)
      if (t === undefined) missingTarget.add(i)
      else targets.push(t)
    }
    edges.push(targets)
  })

  // Iterative DFS with colours: 1 = on the stack, 2 = done. A back edge closes a cycle.
  const colour = new Uint8Array(flags.length)
  const onCycle = new Set<number>()
  const stack: number[] = []
  const walk = (start: number): void => {
    const frames: Array<{ node: number; next: number }> = [{ node: start, next: 0 }]
    colour[start] = 1
    stack.push(start)
    while (frames.length > 0) {
      const frame = frames[frames.length - 1]
      const targets = edges[frame.node]
      if (frame.next < targets.length) {
        const t = targets[frame.next++]
        if (colour[t] === 1) {
          for (let k = stack.lastIndexOf(t); k < stack.length; k++) onCycle.add(stack[k])
        } else if (colour[t] === 0) {
          colour[t] = 1
          stack.push(t)
          frames.push({ node: t, next: 0 })
        }
      } else {
        colour[frame.node] = 2
        stack.pop()
        frames.pop()
      }
    }
  }
  for (let i = 0; i < flags.length; i++) if (colour[i] === 0) walk(i)

  // Propagate breakage to every flag that can reach a broken one.
  const transitivelyBroken = new Set<number>([...missingTarget, ...onCycle])
  let changed = true
  while (changed) {
    changed = false
    for (let i = 0; i < flags.length; i++) {
      if (transitivelyBroken.has(i)) continue
      if (edges[i].some((t) => transitivelyBroken.has(t))) {
        transitivelyBroken.add(i)
        changed = true
      }
    }
  }
  return { missingTarget, onCycle, transitivelyBroken }
}
