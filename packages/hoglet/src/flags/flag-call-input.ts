/**
 * Turning a flag call's arguments into what the engine and `/flags` need: refusing bad input
 * without throwing, the evaluation subject, the remote request, and whether remote is allowed.
 */
import type { EvaluationSubject } from '../engine/engine.js'
import { groupPropertiesFor, type FlagCallOptions } from './flag-api.js'
import type { FeatureFlagsConfig } from './flag-service-state.js'

/** Shared empty options, so the synchronous paths allocate none when the caller passes none. */
export const NO_OPTIONS: FlagCallOptions = Object.freeze({})

/**
 * Bad per-call input is refused (reported, answered with undefined), never thrown.
 * Returns the distinct id as a string, or undefined when the call cannot proceed.
 */
export function checkInput(config: FeatureFlagsConfig, method: string, distinctId: unknown, hasKey: boolean, key?: unknown): string | undefined {
  let problem: string | undefined
  if (hasKey && (typeof key !== 'string' || key === '')) problem = '`key` must be a non-empty string'
  else if (typeof distinctId === 'number' && Number.isFinite(distinctId)) return String(distinctId)
  else if (typeof distinctId !== 'string' || distinctId === '') problem = '`distinctId` must be a non-empty string or a number'
  else return distinctId
  config.report(new TypeError(`${method}: ${problem}; answering undefined`), 'warn')
  return undefined
}

/** Whether this call may not ask the server (per call, else the client's strict mode). */
export function onlyLocal(config: FeatureFlagsConfig, options: FlagCallOptions): boolean {
  return options.onlyEvaluateLocally ?? config.strictLocalEvaluation
}

/**
 * The engine reads the caller's maps as they are (no copies on the hot path): it already
 * defaults `distinct_id` and `$group_key`, and ignores properties of groups not in `groups`.
 */
export function evaluationSubject(config: FeatureFlagsConfig, distinctId: string, options: FlagCallOptions): EvaluationSubject {
  return {
    distinctId,
    deviceId: options.deviceId ?? config.contextDeviceId?.(),
    groups: options.groups,
    personProperties: options.personProperties,
    groupProperties: options.groupProperties,
  }
}

/** The `/flags` request for this call; the server needs `$group_key` filled in, unlike the engine. */
export function remoteRequest(config: FeatureFlagsConfig, distinctId: string, options: FlagCallOptions, flagKeys: string[] | undefined) {
  return {
    distinctId,
    groups: options.groups,
    personProperties: options.personProperties,
    groupProperties: groupPropertiesFor(options.groups, options.groupProperties),
    disableGeoip: options.disableGeoip ?? config.disableGeoip,
    flagKeys,
    deviceId: options.deviceId ?? config.contextDeviceId?.(),
  }
}
