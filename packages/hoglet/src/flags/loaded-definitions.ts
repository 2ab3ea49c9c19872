/**
 * Definitions as the flag service keeps them: compiled once per load (not per call), plus the
 * raw lookups the engine does not carry, and the bounded wait for the first load.
 *
 * Before compiling, the flags PostHog's server would not evaluate for this SDK are set aside,
 * as the server sets them aside for a `/flags` request that says `evaluation_runtime: "server"`
 * and carries the SDK's `evaluation_contexts`: flags meant for client runtimes only, and flags
 * tagged for other evaluation contexts. They are answered as absent, without a request.
 */
import { compileFlags, type CompiledFlags } from '../engine/engine.js'
import type { FlagDefinitionCacheData } from './cache-provider.js'
import type { FeatureFlagEvaluationRuntime } from './flag-api.js'
import type { DefinitionsPoller } from './poller.js'
import type { FlagDefinition, FlagDefinitionsResponse } from '../engine/types.js'

/** Definitions in evaluable form plus the raw payload tables (for `matchValue` lookups). */
export interface CompiledDefinitions {
  engine: CompiledFlags
  payloads: Map<string, Record<string, unknown>>
  /** Flags whose definition says whether an experiment uses them. */
  hasExperiment: Map<string, boolean>
  /** Runtime of every flag kept for this SDK's evaluation contexts (client-only ones included). */
  runtimes: Map<string, FeatureFlagEvaluationRuntime>
  /** Keys the server would not evaluate for this SDK (client-only, other contexts): absent, no request. */
  skipped: Set<string>
  /** Whether any evaluated flag buckets by device id (only then is a device id looked up per call). */
  bucketsByDevice: boolean
}

/** What decides which definitions this SDK evaluates. */
export interface DefinitionsFilter {
  /** The SDK's evaluation contexts; a flag with tags is kept only when one matches. */
  evaluationContexts: readonly string[] | undefined
  /** IANA timezone for date filters when the definitions carry none. */
  timezone?: string | undefined
}

/** The flag's runtime as PostHog's server reads it: `client` or `server` in any case; anything else means all. */
export function runtimeOf(flag: FlagDefinition): FeatureFlagEvaluationRuntime {
  const r = typeof flag.evaluation_runtime === 'string' ? flag.evaluation_runtime.toLowerCase() : undefined
  return r === 'client' || r === 'server' ? r : 'all'
}

function keptForContexts(flag: FlagDefinition, contexts: ReadonlySet<string> | undefined): boolean {
  if (!contexts) return true
  const tags = (flag as { evaluation_contexts?: unknown }).evaluation_contexts ?? flag.evaluation_tags
  if (!Array.isArray(tags) || tags.length === 0) return true
  return tags.some((t) => contexts.has(t as string))
}

export function compileDefinitions(data: FlagDefinitionCacheData, sha1Hex: ((input: string) => string) | undefined, filter?: DefinitionsFilter): CompiledDefinitions {
  const contexts = filter?.evaluationContexts && filter.evaluationContexts.length > 0 ? new Set(filter.evaluationContexts) : undefined
  const payloads = new Map<string, Record<string, unknown>>()
  const hasExperiment = new Map<string, boolean>()
  const runtimes = new Map<string, FeatureFlagEvaluationRuntime>()
  const skipped = new Set<string>()
  const evaluated: FlagDefinition[] = []
  let bucketsByDevice = false
  for (const flag of data.flags) {
    if (!keptForContexts(flag, contexts)) {
      skipped.add(flag.key)
      continue
    }
    const runtime = runtimeOf(flag)
    runtimes.set(flag.key, runtime)
    if (runtime === 'client') {
      skipped.add(flag.key)
      continue
    }
    evaluated.push(flag)
    if (flag.bucketing_identifier === 'device_id' || flag.filters?.bucketing_identifier === 'device_id') bucketsByDevice = true
    const table = (flag.filters as { payloads?: unknown } | undefined)?.payloads
    if (table && typeof table === 'object') payloads.set(flag.key, table as Record<string, unknown>)
    if (typeof flag.has_experiment === 'boolean') hasExperiment.set(flag.key, flag.has_experiment)
  }
  const response: FlagDefinitionsResponse = {
    flags: evaluated,
    group_type_mapping: data.groupTypeMapping,
    cohorts: data.cohorts,
    // The definitions' own timezone wins over the option (the engine's rule).
    timezone: data.timezone,
  }
  return { engine: compileFlags(response, { sha1Hex, mode: 'local', timezone: filter?.timezone }), payloads, hasExperiment, runtimes, skipped, bucketsByDevice }
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
