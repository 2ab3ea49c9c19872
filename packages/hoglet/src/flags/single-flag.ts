/**
 * One flag for one subject: the synchronous local answer (the benchmarked hot path) and the
 * full asynchronous path behind it (input checks, overrides, first-load wait, `/flags`,
 * exposure with its `$feature_flag_error`).
 */
import { evaluateFlag, type LocalFlagResult } from '../engine/engine.js'
import { decodePayload } from '../engine/payload.js'
import type { FeatureFlagResult, FlagCallOptions, FlagValue, JsonValue } from './flag-api.js'
import { NO_OPTIONS, checkInput, evaluationSubject, onlyLocal, remoteRequest } from './flag-call-input.js'
import { overrideResult } from './flag-overrides.js'
import { localRecord, remoteRecord } from './flag-records.js'
import { reportRemoteError, type FlagServiceState } from './flag-service-state.js'
import { awaitFirstLoad } from './loaded-definitions.js'
import { exposureFor, type FlagRecord, type SnapshotContext } from './snapshot.js'

const NO_ERRORS: readonly string[] = Object.freeze([])

/**
 * The hot path: a flag decided by the loaded definitions, answered synchronously with no
 * intermediate objects (the exposure is built only when it is new). Anything else
 * (overrides, bad input, not loaded, undecidable locally) returns undefined and takes the
 * full asynchronous path.
 */
export function answerLocally(state: FlagServiceState, key: string, distinctId: unknown, options: FlagCallOptions | undefined): LocalFlagResult | undefined {
  const loaded = state.poller?.definitions
  if (!loaded || state.overrides.flags || typeof distinctId !== 'string' || distinctId === '' || typeof key !== 'string') return undefined
  const opts = options ?? NO_OPTIONS
  let outcome
  try {
    outcome = evaluateFlag(loaded.compiled.engine, key, evaluationSubject(state.config, distinctId, opts))
  } catch {
    return undefined // the full path evaluates again and reports the failure
  }
  if (outcome.kind !== 'evaluated') return undefined
  const r = outcome.result
  if ((opts.sendFeatureFlagEvents ?? state.config.sendFeatureFlagEvent) && state.exposures.isNew(distinctId, key, r.value, opts.groups)) {
    const context: SnapshotContext = {
      distinctId,
      groups: opts.groups,
      disableGeoip: opts.disableGeoip,
      requestId: undefined,
      evaluatedAt: undefined,
      errorsWhileComputingFlags: false,
      quotaLimited: false,
      definitionsLoadedAt: loaded.loadedAt,
    }
    state.exposures.send(exposureFor(key, localRecord(r, loaded.compiled.hasExperiment.get(key)), context, NO_ERRORS))
  }
  return r
}

/** The full path: resolves to undefined on any failure, which is reported and put on the exposure event. */
export async function evaluateOne(state: FlagServiceState, key: string, rawDistinctId: unknown, options: FlagCallOptions | undefined, sendEventsDefault: boolean, matchValue?: FlagValue): Promise<FeatureFlagResult | undefined> {
  const { config, poller } = state
  if (config.disabled) return undefined
  const distinctId = checkInput(config, 'flag call', rawDistinctId, true, key)
  if (distinctId === undefined) return undefined
  options ??= {}
  const overridden = state.overrides.flags?.get(key)
  if (overridden !== undefined) return overrideResult(state.overrides, key, overridden)
  if (poller && !poller.isReady()) await awaitFirstLoad(poller, config.requestTimeoutMs)
  const loaded = poller?.definitions
  const context: SnapshotContext = {
    distinctId,
    groups: options.groups,
    disableGeoip: options.disableGeoip,
    requestId: undefined,
    evaluatedAt: undefined,
    errorsWhileComputingFlags: false,
    quotaLimited: false,
    definitionsLoadedAt: loaded?.loadedAt,
  }
  const errors: string[] = []
  let record: FlagRecord | undefined
  let why = 'definitions not loaded'
  if (loaded) {
    try {
      const outcome = evaluateFlag(loaded.compiled.engine, key, evaluationSubject(config, distinctId, options))
      if (outcome.kind === 'evaluated') record = localRecord(outcome.result, loaded.compiled.hasExperiment.get(key))
      else why = outcome.kind === 'inconclusive' ? outcome.why : 'not in the local definitions'
    } catch (err) {
      why = 'local evaluation failed'
      config.logger.error(`local evaluation of ${key} failed`, err)
    }
  }
  if (!record && onlyLocal(config, options)) {
    config.logger.debug(`${key} cannot be evaluated locally (${why}) and remote evaluation is off`)
  } else if (!record) {
    config.logger.debug(`${key} asks the server: ${why}`)
    const outcome = await state.remote.evaluate(remoteRequest(config, distinctId, options, [key]))
    if (outcome.ok) {
      const rec = outcome.response.flags.get(key)
      if (rec) record = remoteRecord(rec)
      context.requestId = outcome.response.requestId
      context.evaluatedAt = outcome.response.evaluatedAt
      if (outcome.response.errorsWhileComputingFlags) errors.push('errors_while_computing_flags')
      if (!rec) errors.push('flag_missing')
    } else {
      errors.push(outcome.error.code)
      reportRemoteError(config, outcome.error)
    }
  }
  if (options.sendFeatureFlagEvents ?? sendEventsDefault) state.exposures.report(exposureFor(key, record, context, errors))
  if (!record) return undefined
  if (matchValue === undefined) return { key, enabled: record.enabled, variant: record.variant, payload: record.payload, reason: record.reason }
  // A match value picks the payload locally; remotely it overrides the value and keeps the server's payload.
  const payload = record.locallyEvaluated ? decodePayload(loaded?.compiled.payloads.get(key)?.[String(matchValue)]) : record.payload
  return { key, enabled: matchValue !== false, variant: typeof matchValue === 'string' ? matchValue : undefined, payload, reason: record.reason }
}

/**
 * The decoded payload for the flag's value for this subject, or for `matchValue` when given
 * (answered from local definitions without evaluating when they have the flag). `null` when
 * the flag has a value but no payload for it; `undefined` when the flag is unknown.
 */
export async function payloadFor(state: FlagServiceState, key: string, distinctId: unknown, matchValue: FlagValue | undefined, options: FlagCallOptions): Promise<JsonValue | null | undefined> {
  const overridden = state.overrides.payloads?.get(key)
  if (overridden !== undefined) return overridden
  if (matchValue !== undefined) {
    const table = state.poller?.definitions?.compiled.payloads.get(key)
    if (table) return decodePayload(table[String(matchValue)]) ?? null
  }
  const result = await evaluateOne(state, key, distinctId, options, false, matchValue)
  if (!result) return undefined
  return result.payload ?? null
}
