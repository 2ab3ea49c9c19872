/**
 * Definitions as the flag service keeps them: compiled once per load (not per call), plus the
 * raw lookups the engine does not carry, and the bounded wait for the first load.
 */
import { compileFlags, type CompiledFlags } from '../engine/engine.js'
import type { FlagDefinitionCacheData } from './cache-provider.js'
import type { DefinitionsPoller } from './poller.js'
import type { FlagDefinitionsResponse } from '../engine/types.js'

/** Definitions in evaluable form plus the raw payload tables (for `matchValue` lookups). */
export interface CompiledDefinitions {
  engine: CompiledFlags
  payloads: Map<string, Record<string, unknown>>
  /** Flags whose definition says whether an experiment uses them. */
  hasExperiment: Map<string, boolean>
}

export function compileDefinitions(data: FlagDefinitionCacheData, sha1Hex: ((input: string) => string) | undefined): CompiledDefinitions {
  const response: FlagDefinitionsResponse = {
    flags: data.flags,
    group_type_mapping: data.groupTypeMapping,
    cohorts: data.cohorts,
  }
  const payloads = new Map<string, Record<string, unknown>>()
  const hasExperiment = new Map<string, boolean>()
  for (const flag of data.flags) {
    const table = (flag.filters as { payloads?: unknown } | undefined)?.payloads
    if (table && typeof table === 'object') payloads.set(flag.key, table as Record<string, unknown>)
    if (typeof flag.has_experiment === 'boolean') hasExperiment.set(flag.key, flag.has_experiment)
  }
  return { engine: compileFlags(response, { sha1Hex, mode: 'local' }), payloads, hasExperiment }
}

/**
 * Before the first definitions load settles, wait for it, bounded by `timeoutMs` so that a slow
 * definitions endpoint delays a call by at most one request timeout.
 */
export async function awaitFirstLoad(poller: DefinitionsPoller<CompiledDefinitions> | undefined, timeoutMs: number): Promise<void> {
  if (!poller || poller.isReady()) return
  let timer: ReturnType<typeof setTimeout> | undefined
  await Promise.race([poller.settledFirstLoad(), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))])
  clearTimeout(timer)
}
