/**
 * Turning a flag call's arguments into what the engine and `/flags` need: refusing bad input
 * without throwing, the evaluation subject, the remote request, and whether remote is allowed.
 */
import type { EvaluationSubject } from '../engine/engine.js'
import type { FlagCallOptions } from './flag-api.js'
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

/** Whether this call may not ask the server (`disableRemoteFeatureFlags`, per call, else the client's strict mode). */
export function onlyLocal(config: FeatureFlagsConfig, options: FlagCallOptions): boolean {
  return config.disableRemote === true || (options.onlyEvaluateLocally ?? config.strictLocalEvaluation)
}

/**
 * The device id for device bucketing and `/flags`: the call's `deviceId`, else
 * `personProperties.$device_id` (posthog-node's way), else the context scope's.
 */
function deviceIdFor(config: FeatureFlagsConfig, options: FlagCallOptions): string | undefined {
  if (options.deviceId !== undefined) return options.deviceId
  const fromProperties = options.personProperties?.$device_id
  if (typeof fromProperties === 'string' && fromProperties !== '') return fromProperties
  return config.contextDeviceId?.()
}

/**
 * The engine reads the caller's maps as they are (no copies on the hot path): it already
 * defaults `distinct_id` and `$group_key`, and ignores properties of groups not in `groups`.
 */
export function evaluationSubject(config: FeatureFlagsConfig, distinctId: string, options: FlagCallOptions, needsDeviceId: boolean): EvaluationSubject {
  return {
    distinctId,
    // Looked up only when some loaded flag buckets by device id (keeps the hot path lean).
    deviceId: needsDeviceId ? deviceIdFor(config, options) : undefined,
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
    deviceId: deviceIdFor(config, options),
  }
}

/**
 * Group properties as sent and evaluated: one entry per group the subject is in, with
 * `$group_key` filled in (the caller may override it); properties of other group types dropped.
 */
function groupPropertiesFor(
  groups: Record<string, string | number> | undefined,
  groupProperties: Record<string, Record<string, unknown>> | undefined,
): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {}
  if (!groups) return out
  for (const type of Object.keys(groups)) {
    out[type] = { $group_key: groups[type], ...groupProperties?.[type] }
  }
  return out
}
