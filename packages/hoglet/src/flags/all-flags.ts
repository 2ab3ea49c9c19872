/**
 * Every flag (or the `flagKeys` asked for) for one subject: the synchronous local pass (the
 * benchmarked hot path of `getAllFlags`) and the full path, which evaluates locally, applies
 * overrides and makes at most one `/flags` request, for the undecided keys only.
 */
import { evaluateAllFlags, type LocalFlagResult } from '../engine/engine.js'
import type { AllFlagsOptions, FlagValue, FlagsAndPayloads, JsonValue } from './flag-api.js'
import { NO_OPTIONS, checkInput, evaluationSubject, onlyLocal, remoteRequest } from './flag-call-input.js'
import { applyOverrides } from './flag-overrides.js'
import { localRecord, remoteRecord } from './flag-records.js'
import { reportRemoteError, type FlagServiceState } from './flag-service-state.js'
import { awaitFirstLoad } from './loaded-definitions.js'
import type { RemoteFlagsError, RemoteFlagsResponse } from './remote.js'
import { FeatureFlagEvaluations, type FlagRecord } from './snapshot.js'

/** Outcome of an all-flags pass: records by key plus what the remote part reported. */
interface AllFlags {
  records: Map<string, FlagRecord>
  remote: RemoteFlagsResponse | undefined
  remoteError: RemoteFlagsError | undefined
}

/**
 * The hot path of the all-flags calls: every requested flag decided by the loaded
 * definitions, synchronously. Undefined when anything needs the full path (overrides, bad
 * input, a `flagKeys` filter, not loaded, a flag only the server can decide).
 */
export function localAll(state: FlagServiceState, distinctId: unknown, options: AllFlagsOptions | undefined): Record<string, LocalFlagResult> | undefined {
  const loaded = state.poller?.definitions
  if (!loaded || state.overrides.flags || typeof distinctId !== 'string' || distinctId === '' || options?.flagKeys !== undefined) return undefined
  try {
    const { results, inconclusive } = evaluateAllFlags(loaded.compiled.engine, evaluationSubject(state.config, distinctId, options ?? NO_OPTIONS))
    return inconclusive.length === 0 ? results : undefined
  } catch {
    return undefined // the full path evaluates again and reports the failure
  }
}

/** `getAllFlags` off the hot path: values only, so no payload object is built just to be dropped. */
export async function allFlagValues(state: FlagServiceState, distinctId: unknown, options: AllFlagsOptions): Promise<Record<string, FlagValue>> {
  const { records } = await evaluateAll(state, distinctId, options)
  const featureFlags: Record<string, FlagValue> = {}
  for (const record of records.values()) featureFlags[record.key] = record.variant ?? record.enabled
  return featureFlags
}

export async function allFlagsAndPayloads(state: FlagServiceState, distinctId: unknown, options: AllFlagsOptions): Promise<FlagsAndPayloads> {
  const { records } = await evaluateAll(state, distinctId, options)
  const featureFlags: Record<string, FlagValue> = {}
  const featureFlagPayloads: Record<string, JsonValue> = {}
  for (const record of records.values()) {
    featureFlags[record.key] = record.variant ?? record.enabled
    if (record.payload !== undefined) featureFlagPayloads[record.key] = record.payload
  }
  return { featureFlags, featureFlagPayloads }
}

/** A snapshot of every flag (or `flagKeys`) for the subject; its accesses fire the exposures. */
export async function evaluateFlagsSnapshot(state: FlagServiceState, rawDistinctId: unknown, options: AllFlagsOptions): Promise<FeatureFlagEvaluations> {
  const { config } = state
  if (config.disabled) return FeatureFlagEvaluations.empty(config.logger)
  const distinctId = checkInput(config, 'evaluateFlags', rawDistinctId, false)
  if (distinctId === undefined) return FeatureFlagEvaluations.empty(config.logger)
  options ??= {}
  const { records, remote, remoteError } = await evaluateAll(state, distinctId, options)
  const sendEvents = options.sendFeatureFlagEvents ?? config.sendFeatureFlagEvent
  return new FeatureFlagEvaluations(
    records,
    {
      distinctId,
      groups: options.groups,
      disableGeoip: options.disableGeoip,
      requestId: remote?.requestId,
      evaluatedAt: remote?.evaluatedAt,
      errorsWhileComputingFlags: remote?.errorsWhileComputingFlags ?? false,
      quotaLimited: remoteError?.kind === 'quota_limited',
      definitionsLoadedAt: state.poller?.definitions?.loadedAt,
    },
    sendEvents
      ? (e) => {
          // A snapshot's reads never throw, even when the caller's `groups` cannot be read.
          try {
            state.exposures.report(e)
          } catch (error) {
            config.report(new Error(`the exposure event could not be built: ${(error as Error)?.message ?? error}`, { cause: error }), 'warn')
          }
        }
      : undefined,
    config.logger,
  )
}

async function evaluateAll(state: FlagServiceState, rawDistinctId: unknown, options: AllFlagsOptions): Promise<AllFlags> {
  const { config } = state
  const records = new Map<string, FlagRecord>()
  if (config.disabled) return { records, remote: undefined, remoteError: undefined }
  const distinctId = checkInput(config, 'all-flags call', rawDistinctId, false)
  if (distinctId === undefined) return { records, remote: undefined, remoteError: undefined }
  options ??= {}
  let wanted: string[] | undefined
  if (Array.isArray(options.flagKeys)) {
    wanted = options.flagKeys.filter((k): k is string => typeof k === 'string')
    if (wanted.length === 0) wanted = undefined
  } else if (options.flagKeys !== undefined) {
    config.report(new TypeError('`flagKeys` must be an array of flag keys; evaluating all flags'), 'warn')
  }
  await awaitFirstLoad(state.poller, config.requestTimeoutMs)
  const loaded = state.poller?.definitions
  // Which keys the server must decide: everything (or `wanted`) without definitions;
  // with definitions only what local evaluation could not.
  let remoteKeys: string[] | undefined = wanted
  let needRemote = !loaded
  if (loaded) {
    try {
      const { results, inconclusive } = evaluateAllFlags(loaded.compiled.engine, evaluationSubject(config, distinctId, options), wanted)
      for (const key in results) records.set(key, localRecord(results[key]!, loaded.compiled.hasExperiment.get(key)))
      remoteKeys = [...inconclusive]
      if (wanted) for (const k of wanted) if (!records.has(k) && !remoteKeys.includes(k)) remoteKeys.push(k)
      needRemote = remoteKeys.length > 0
    } catch (err) {
      needRemote = true
      remoteKeys = wanted
      config.logger.error('local evaluation of all flags failed', err)
    }
  }
  applyOverrides(state.overrides, records, wanted)
  if (!needRemote || onlyLocal(config, options)) return { records, remote: undefined, remoteError: undefined }
  const outcome = await state.remote.evaluate(remoteRequest(config, distinctId, options, remoteKeys))
  if (!outcome.ok) {
    reportRemoteError(config, outcome.error)
    return { records, remote: undefined, remoteError: outcome.error }
  }
  for (const [key, rec] of outcome.response.flags) {
    if (records.has(key)) continue
    records.set(key, remoteRecord(rec))
  }
  return { records, remote: outcome.response, remoteError: undefined }
}
