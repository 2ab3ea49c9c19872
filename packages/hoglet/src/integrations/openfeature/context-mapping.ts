import type { EvaluationContext } from '@openfeature/server-sdk'

/** What hoglet's flag methods take, derived from an OpenFeature evaluation context. */
export interface FlagSubject {
  distinctId: string | undefined
  groups?: Record<string, string | number>
  personProperties?: Record<string, unknown>
  groupProperties?: Record<string, Record<string, unknown>>
  deviceId?: string
}

/** Context attributes with a meaning of their own; every other attribute is a person property. */
const RESERVED = new Set(['targetingKey', 'groups', 'personProperties', 'groupProperties', 'deviceId'])

/**
 * Maps an evaluation context onto hoglet's flag call:
 * - `targetingKey` is the distinct id;
 * - `groups` (`{ company: 'acme' }`) and `groupProperties` (`{ company: { seats: 80 } }`) pass through;
 * - `deviceId` is the device id for device-bucketed flags;
 * - every other top-level attribute is a person property, and an explicit `personProperties`
 *   object is merged over them (it wins on a clash).
 * Values of the wrong shape are ignored rather than thrown on: evaluation must not fail on context.
 */
export function subjectFromContext(context: EvaluationContext): FlagSubject {
  const subject: FlagSubject = { distinctId: typeof context.targetingKey === 'string' && context.targetingKey !== '' ? context.targetingKey : undefined }
  const personProperties: Record<string, unknown> = {}
  for (const key of Object.keys(context)) {
    const value = context[key]
    if (!RESERVED.has(key) && value !== undefined) personProperties[key] = value instanceof Date ? value.toISOString() : value
  }
  const explicit = context.personProperties
  if (isPlainObject(explicit)) Object.assign(personProperties, explicit)
  if (Object.keys(personProperties).length > 0) subject.personProperties = personProperties

  const groups = context.groups
  if (isPlainObject(groups)) {
    const valid: Record<string, string | number> = {}
    for (const [type, key] of Object.entries(groups)) if (typeof key === 'string' || typeof key === 'number') valid[type] = key
    if (Object.keys(valid).length > 0) subject.groups = valid
  }
  const groupProperties = context.groupProperties
  if (isPlainObject(groupProperties)) {
    const valid: Record<string, Record<string, unknown>> = {}
    for (const [type, props] of Object.entries(groupProperties)) if (isPlainObject(props)) valid[type] = { ...props }
    if (Object.keys(valid).length > 0) subject.groupProperties = valid
  }
  if (typeof context.deviceId === 'string' && context.deviceId !== '') subject.deviceId = context.deviceId
  return subject
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date)
}
