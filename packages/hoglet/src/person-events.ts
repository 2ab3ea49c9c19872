/**
 * The person and group calls (identify, alias, groupIdentify, set...): their message types and
 * how each becomes the properties of its `$identify`, `$create_alias`, `$groupidentify` or
 * `$set` event. The shaping functions throw on missing input; `personEventMessage` turns that
 * into a reported refusal.
 */

import { identifyProperties, type EventMessage } from './event.js'
import type { Reporter } from './pipeline/reporter.js'

export interface IdentifyMessage {
  distinctId: string | number
  /** `$set`, `$set_once`, `$anon_distinct_id`; any other key is set on the person (`$set`). */
  properties?: Record<string, unknown>
  disableGeoip?: boolean
  timestamp?: Date | string | number
  uuid?: string
}

export interface AliasMessage {
  distinctId: string | number
  alias: string | number
  disableGeoip?: boolean
  timestamp?: Date | string | number
  uuid?: string
}

export interface GroupIdentifyMessage {
  groupType: string
  groupKey: string | number
  /** Group properties (`$group_set`); a `name` property names the group in PostHog. */
  properties?: Record<string, unknown>
  /** Defaults to `$<groupType>_<groupKey>`. */
  distinctId?: string | number
  disableGeoip?: boolean
  timestamp?: Date | string | number
  uuid?: string
}

export interface PersonPropertiesMessage {
  distinctId: string | number
  properties?: Record<string, unknown>
  /** Set only when the person does not have them yet (`$set_once`). */
  propertiesOnce?: Record<string, unknown>
  disableGeoip?: boolean
}

export function aliasProperties(message: AliasMessage): Record<string, unknown> {
  if (message.alias === undefined || message.alias === null || message.alias === '') throw new Error('`alias` is required')
  return { distinct_id: String(message.distinctId), alias: String(message.alias) }
}

export interface UnsetPersonPropertiesMessage {
  distinctId: string | number
  /** One property name or several. */
  properties: string | string[]
}

/** `$set` / `$set_once` with only the non-empty maps (as posthog-node); neither is refused. */
export function personProperties(message: PersonPropertiesMessage): Record<string, unknown> {
  const result: Record<string, unknown> = {}
  if (isNonEmpty(message.properties)) result.$set = message.properties
  if (isNonEmpty(message.propertiesOnce)) result.$set_once = message.propertiesOnce
  if (!result.$set && !result.$set_once) throw new Error('`properties` or `propertiesOnce` is required')
  return result
}

/** `$unset` with the non-blank names. */
export function unsetProperties(message: UnsetPersonPropertiesMessage): Record<string, unknown> {
  const names = Array.isArray(message.properties) ? message.properties : [message.properties]
  const kept = names.filter((name) => typeof name === 'string' && name.trim() !== '')
  if (kept.length === 0) throw new Error('`properties` must name at least one property')
  return { $unset: kept }
}

function isNonEmpty(map: Record<string, unknown> | undefined): boolean {
  if (map === undefined || map === null || typeof map !== 'object') return false
  for (const key in map) if (Object.prototype.hasOwnProperty.call(map, key)) return true
  return false
}

export interface PreparedGroup extends GroupIdentifyMessage {
  distinctId: string | number
}

/** The message with its default distinct id, or undefined when the group type or key is missing. */
export function prepareGroup(message: GroupIdentifyMessage): PreparedGroup | undefined {
  if (message === null || typeof message !== 'object') return undefined
  const { groupType, groupKey } = message
  if (typeof groupType !== 'string' || groupType === '') return undefined
  if ((typeof groupKey !== 'string' && typeof groupKey !== 'number') || groupKey === '') return undefined
  return { ...message, distinctId: message.distinctId ?? `$${groupType}_${groupKey}` }
}

export function groupProperties(message: PreparedGroup): Record<string, unknown> {
  return { $group_type: message.groupType, $group_key: String(message.groupKey), $group_set: message.properties ?? {} }
}

/** The fields every person or group call shares. */
export type PersonCallMessage = { distinctId?: string | number; disableGeoip?: boolean; timestamp?: Date | string | number; uuid?: string }

export function identifyShape(message: IdentifyMessage): Record<string, unknown> {
  return identifyProperties(message.properties)
}

/** `setOnce()`: the given properties become `$set_once`. */
export function setOnceProperties(message: { properties?: Record<string, unknown> }): Record<string, unknown> {
  return { $set_once: message.properties ?? {} }
}

/**
 * The capture message of a person or group call (context properties are not added to it), or
 * undefined when the call is refused (reported through `reporter`).
 */
export function personEventMessage<M extends PersonCallMessage>(
  reporter: Reporter,
  method: string,
  message: M,
  event: string,
  shape: (message: M) => Record<string, unknown>,
): EventMessage | undefined {
  if (message === null || typeof message !== 'object') return reporter.refuse(method, 'expects an object')
  const id = message.distinctId
  if (id === undefined || id === null || id === '' || (typeof id !== 'string' && typeof id !== 'number')) {
    return reporter.refuse(method, '`distinctId` is required')
  }
  const bag = message as { properties?: unknown; propertiesOnce?: unknown }
  // A string or array is refused here, before any code iterates it one key per character.
  for (const key of ['properties', 'propertiesOnce'] as const) {
    const value = bag[key]
    // (unsetPersonProperties takes property names, one or an array: its shape reads them itself.)
    if (method === 'unsetPersonProperties') break
    if (value !== undefined && (value === null || typeof value !== 'object' || Array.isArray(value))) return reporter.refuse(method, `\`${key}\` must be an object`)
  }
  let properties: Record<string, unknown>
  try {
    properties = shape(message)
  } catch (error) {
    return reporter.refuse(method, (error as Error).message)
  }
  return { distinctId: id, event, properties, disableGeoip: message.disableGeoip, timestamp: message.timestamp, uuid: message.uuid }
}
