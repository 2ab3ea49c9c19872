/**
 * Every flag (or the `flagKeys` asked for) for one subject: the synchronous local pass (the
 * benchmarked hot path of `getAllFlags`) and the full path, which evaluates locally, applies
 * overrides and makes at most one `/flags` request, for the undecided keys only.
 */
import { createRegexBudget, evaluateAllFlags, evaluateFlag, type LocalFlagResult, type RegexBudget } from '../engine/engine.js'
import type { AllFlagsOptions, FlagValue, FlagsAndPayloads, JsonValue, UnresolvedFlagReason } from './flag-api.js'
import { NO_OPTIONS, checkInput, evaluationSubject, onlyLocal, remoteRequest } from './flag-call-input.js'
import { overlayRecords, overlayValues } from './flag-overrides.js'
import { localRecord, remoteRecord } from './flag-records.js'
import { reportRemoteError, type FlagServiceState } from './flag-service-state.js'
import { awaitFirstLoad, type CompiledDefinitions } from './loaded-definitions.js'
import type { LoadedDefinitions } from './poller.js'
import type { RemoteFlagsError, RemoteFlagsResponse } from './remote.js'
import { FlagSnapshot, type FlagRecord } from './snapshot.js'
import type { FeatureFlagEvaluations } from './feature-flag-evaluations.js'

/** Outcome of an all-flags pass: records by key plus what the remote part reported. */
interface AllFlags {
  records: Map<string, FlagRecord>
  remote: RemoteFlagsResponse | undefined
  remoteError: RemoteFlagsError | undefined
  /** Keys local evaluation could not decide, with why. */
  unresolved: Record<string, UnresolvedFlagReason>
  /** The `flagKeys` asked for, when any. */
  wanted: string[] | undefined
  /** What `/flags` answered, kept apart: the all-flags values let it win, the snapshot keeps local answers. */
  remoteRecords?: Map<string, FlagRecord>
}

/** Local records with the remote ones merged in: remote wins for `getAllFlags*` (posthog-node), local wins for the snapshot. */
function merged(all: AllFlags, remoteWins: boolean): Map<string, FlagRecord> {
  if (!all.remoteRecords) return all.records
  const out = new Map(all.records)
  for (const [key, rec] of all.remoteRecords) if (remoteWins || !out.has(key)) out.set(key, rec)
  return out
}

/**
 * The synchronous local pass over every flag: what the loaded definitions decided, what they
 * could not, and the regex budget that is left. The full path starts from it rather than
 * evaluating again, so the flags it decided stay decided even when the budget ran out.
 */
export interface LocalPass {
  readonly definitions: LoadedDefinitions<CompiledDefinitions>
  readonly results: Record<string, LocalFlagResult>
  readonly inconclusive: string[]
  readonly budget: RegexBudget
}

/**
 * The hot path of the all-flags calls: every flag evaluated by the loaded definitions,
 * synchronously; complete when `inconclusive` is empty. Undefined when the call needs the full
 * path from the start (overrides, bad input, a `flagKeys` filter, not loaded, bootstrap).
 */
export function localAll(state: FlagServiceState, distinctId: unknown, options: AllFlagsOptions | undefined, budget: RegexBudget): LocalPass | undefined {
  const loaded = state.poller?.definitions
  if (!loaded || state.overrides.flags || typeof distinctId !== 'string' || distinctId === '' || options?.flagKeys !== undefined) return undefined
  // No definitions at all: posthog-node asks the server, so the full path does too.
  if (loaded.compiled.engine.size === 0 && loaded.compiled.skipped.size === 0) return undefined
  // With remote evaluation off, `bootstrap` fills in what the definitions lack (full path).
  if (state.config.disableRemote && state.config.bootstrap) return undefined
  try {
    const { results, inconclusive } = evaluateAllFlags(loaded.compiled.engine, evaluationSubject(state.config, distinctId, options ?? NO_OPTIONS, loaded.compiled.bucketsByDevice), undefined, budget)
    return { definitions: loaded, results, inconclusive, budget }
  } catch {
    return undefined // the full path evaluates again and reports the failure
  }
}

/** `getAllFlags` off the hot path: values only, so no payload object is built just to be dropped. */
export async function allFlagValues(state: FlagServiceState, distinctId: unknown, options: AllFlagsOptions, pass?: LocalPass): Promise<Record<string, FlagValue>> {
  const records = merged(await evaluateAll(state, distinctId, options, false, pass), true)
  const featureFlags: Record<string, FlagValue> = {}
  for (const record of records.values()) featureFlags[record.key] = record.variant ?? record.enabled
  if (answered(state, distinctId)) overlayValues(state.overrides, featureFlags, undefined)
  return featureFlags
}

export async function allFlagsAndPayloads(state: FlagServiceState, distinctId: unknown, options: AllFlagsOptions): Promise<FlagsAndPayloads> {
  const records = merged(await evaluateAll(state, distinctId, options), true)
  const featureFlags: Record<string, FlagValue> = {}
  const featureFlagPayloads: Record<string, JsonValue> = {}
  for (const record of records.values()) {
    featureFlags[record.key] = record.variant ?? record.enabled
    if (record.payload !== undefined && record.payload !== null) featureFlagPayloads[record.key] = record.payload
  }
  if (answered(state, distinctId)) overlayValues(state.overrides, featureFlags, featureFlagPayloads)
  return { featureFlags, featureFlagPayloads }
}

/** Whether an all-flags call got as far as evaluating (enabled client, usable distinct id), so overrides apply. */
function answered(state: FlagServiceState, distinctId: unknown): boolean {
  if (state.config.disabled) return false
  return (typeof distinctId === 'string' && distinctId !== '') || (typeof distinctId === 'number' && Number.isFinite(distinctId))
}

/** A snapshot of every flag (or `flagKeys`) for the subject; its accesses fire the exposures. */
export async function evaluateFlagsSnapshot(state: FlagServiceState, rawDistinctId: unknown, options: AllFlagsOptions): Promise<FeatureFlagEvaluations> {
  const { config } = state
  const logger = config.logWarnings === false ? undefined : config.logger
  if (config.disabled) return FlagSnapshot.empty(logger)
  const distinctId = checkInput(config, 'evaluateFlags', rawDistinctId, false)
  if (distinctId === undefined) return FlagSnapshot.empty(logger)
  options ??= {}
  // posthog-node's snapshot also asks the server for requested keys the definitions lack.
  const all = await evaluateAll(state, distinctId, options, true)
  const { remote, remoteError, unresolved, wanted } = all
  const records = merged(all, false)
  overlayRecords(state.overrides, records, wanted)
  for (const key of records.keys()) delete unresolved[key]
  const sendEvents = options.sendFeatureFlagEvents
  return new FlagSnapshot(
    records,
    {
      distinctId,
      groups: options.groups,
      disableGeoip: options.disableGeoip,
      requestId: remote?.requestId,
      evaluatedAt: remote?.evaluatedAt,
      errorsWhileComputingFlags: remote?.errorsWhileComputingFlags ?? false,
      quotaLimited: remoteError?.kind === 'quota_limited',
      definitionsLoadedAt: state.poller?.definitions?.fetchedAt,
      unresolved: Object.freeze(unresolved),
    },
    (e, perRead) => {
      if (!(perRead ?? sendEvents ?? config.sendFeatureFlagEvent)) return
      // A snapshot's reads never throw, even when the caller's `groups` cannot be read.
      try {
        state.exposures.report(e)
      } catch (error) {
        config.report(new Error(`the exposure event could not be built: ${(error as Error)?.message ?? error}`, { cause: error }), 'warn')
      }
    },
    logger,
  )
}

/** The `unresolvedFlags` reason for an engine explanation (posthog-node's categories). */
function unresolvedReason(why: string): UnresolvedFlagReason {
  if (why.includes('continuity')) return 'experience_continuity'
  if (why.includes('cohort') || why.includes('group type')) return 'unsupported_definition'
  if (why.includes('dependency')) return 'unresolved_dependency'
  return 'missing_context'
}

/** `pass`: the call's fast path (`localAll`), when it ran: its results are kept and its regex budget goes on. */
async function evaluateAll(state: FlagServiceState, rawDistinctId: unknown, options: AllFlagsOptions, askForMissingKeys = false, pass?: LocalPass): Promise<AllFlags> {
  const { config } = state
  const records = new Map<string, FlagRecord>()
  const unresolved: Record<string, UnresolvedFlagReason> = {}
  const none: AllFlags = { records, remote: undefined, remoteError: undefined, unresolved, wanted: undefined }
  if (config.disabled) return none
  const distinctId = checkInput(config, 'all-flags call', rawDistinctId, false)
  if (distinctId === undefined) return none
  options ??= {}
  let wanted: string[] | undefined
  if (Array.isArray(options.flagKeys)) {
    wanted = options.flagKeys.filter((k): k is string => typeof k === 'string')
    // An empty list asks for nothing (posthog-node answers it without evaluating).
    if (wanted.length === 0) return { ...none, wanted }
  } else if (options.flagKeys !== undefined) {
    config.report(new TypeError('`flagKeys` must be an array of flag keys; evaluating all flags'), 'warn')
  }
  state.poller?.start()
  await awaitFirstLoad(state.poller, config.requestTimeoutMs)
  const loaded = state.poller?.definitions
  // Whether to ask the server (posthog-node's rule): no definitions, or none at all, or a
  // flag local evaluation could not decide, or (snapshot) a requested key missing locally. The request
  // then asks for what the caller asked for (`flagKeys`, or everything), as posthog-node's does.
  let needRemote = !loaded || (loaded.compiled.engine.size === 0 && loaded.compiled.skipped.size === 0)
  if (loaded && !needRemote) {
    try {
      const subject = evaluationSubject(config, distinctId, options, loaded.compiled.bucketsByDevice)
      // One regex budget for the whole call: asking why a flag was inconclusive reuses it. The
      // fast path's pass over the same definitions stands: evaluating again on what is left of
      // its budget would undo the flags it decided before the budget ran out.
      const reuse = pass !== undefined && pass.definitions === loaded && wanted === undefined
      const budget = pass?.budget ?? createRegexBudget()
      const { results, inconclusive } = reuse ? pass : evaluateAllFlags(loaded.compiled.engine, subject, wanted, budget)
      for (const key in results) records.set(key, localRecord(results[key]!, loaded.compiled.hasExperiment.get(key)))
      for (const key of inconclusive) {
        const outcome = evaluateFlag(loaded.compiled.engine, key, subject, budget)
        unresolved[key] = unresolvedReason(outcome.kind === 'inconclusive' ? outcome.why : '')
      }
      needRemote = inconclusive.length > 0 || (askForMissingKeys && wanted !== undefined && wanted.some((k) => !records.has(k) && !(k in unresolved) && !loaded.compiled.skipped.has(k)))
    } catch (err) {
      needRemote = true
      config.logger.error('local evaluation of all flags failed', err)
    }
  }
  if (!needRemote) {
    if (config.disableRemote) addBootstrap(state, records, wanted)
    return { records, remote: undefined, remoteError: undefined, unresolved, wanted }
  }
  if (onlyLocal(config, options)) {
    addBootstrap(state, records, wanted)
    return { records, remote: undefined, remoteError: undefined, unresolved, wanted }
  }
  const outcome = await state.remote.evaluate(remoteRequest(config, distinctId, options, wanted))
  if (!outcome.ok) {
    reportRemoteError(config, outcome.error)
    addBootstrap(state, records, wanted)
    return { records, remote: undefined, remoteError: outcome.error, unresolved, wanted }
  }
  state.minimalFlagCalledEvents = outcome.response.minimalFlagCalledEvents === true
  const remoteRecords = new Map<string, FlagRecord>()
  for (const [key, rec] of outcome.response.flags) {
    if (wanted && !wanted.includes(key)) continue
    if (loaded?.compiled.skipped.has(key)) continue
    remoteRecords.set(key, remoteRecord(rec))
  }
  return { records, remote: outcome.response, remoteRecords, remoteError: undefined, unresolved, wanted }
}

/** `bootstrap` values for the keys nothing else answered (no definitions, remote off or failed). */
function addBootstrap(state: FlagServiceState, records: Map<string, FlagRecord>, wanted: string[] | undefined): void {
  const boot = state.config.bootstrap
  if (!boot) return
  for (const key of Object.keys(boot.flags)) {
    if (records.has(key) || (wanted && !wanted.includes(key))) continue
    const value = boot.flags[key]!
    records.set(key, { key, enabled: value !== false, variant: typeof value === 'string' ? value : undefined, payload: boot.payloads[key], locallyEvaluated: true, id: undefined, version: undefined, reason: { code: 'bootstrap', conditionIndex: null, description: 'Bootstrapped' }, hasExperiment: undefined })
  }
}
