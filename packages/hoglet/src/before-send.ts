import type { WireEvent } from './event.js'

/** The event as posthog-node's `before_send` sees it: a capture message, not the wire form. */
export interface BeforeSendMessage {
  distinctId?: string
  event: string
  /** The merged properties (super, context, the call's own); hoglet's `$lib` fields are not in them. */
  properties?: Record<string | number, any>
  groups?: Record<string, string | number>
  /** The caller's timestamp when one was given. */
  timestamp?: Date
  /** The caller's uuid when one was given. */
  uuid?: string
  disableGeoip?: boolean
  flags?: unknown
  sendFeatureFlags?: boolean | Record<string, unknown>
}

/** posthog-node's `before_send` function: return the message (changed or not), or `null` to drop the event. */
export type BeforeSendFn = (event: BeforeSendMessage) => BeforeSendMessage | null

const STAMPED = ['$lib', '$lib_version', '$is_server', '$geoip_disable', '$groups'] as const

/**
 * Wraps a posthog-node style `before_send` function as a wire-level hook: the wire event becomes
 * a message (`distinctId`, properties without hoglet's stamped fields, `groups`, `timestamp`),
 * the function runs, and its answer becomes a wire event again. Only on the slow capture path.
 */
export function beforeSendAdapter(fn: BeforeSendFn, isServer: boolean): (event: WireEvent) => WireEvent | null {
  return (wire) => {
    const properties: Record<string, unknown> = { ...wire.properties }
    for (const key of STAMPED) delete properties[key]
    const groups = wire.properties.$groups as Record<string, string | number> | undefined
    const geoipDisabled = wire.properties.$geoip_disable === true
    const message: BeforeSendMessage = {
      distinctId: wire.distinct_id,
      event: wire.event,
      properties,
      timestamp: new Date(wire.timestamp),
      uuid: wire.uuid,
      disableGeoip: geoipDisabled,
    }
    if (groups !== undefined) message.groups = groups
    const result = fn(message)
    if (result === null || result === undefined) return null
    if (typeof result !== 'object') return result as never
    const out: Record<string, unknown> = { ...(result.properties ?? {}) }
    for (const key of STAMPED) if (key !== '$groups') delete out[key]
    const resultGroups = result.groups
    if (resultGroups !== undefined && resultGroups !== null && Object.keys(resultGroups).length > 0) out.$groups = resultGroups
    else if (out.$groups === undefined) delete out.$groups
    out.$lib = wire.properties.$lib
    out.$lib_version = wire.properties.$lib_version
    if (isServer) out.$is_server = true
    if (result.disableGeoip ?? geoipDisabled) out.$geoip_disable = true
    const timestamp = result.timestamp instanceof Date && !Number.isNaN(result.timestamp.getTime()) ? result.timestamp.toISOString() : wire.timestamp
    return {
      event: result.event,
      distinct_id: typeof result.distinctId === 'number' ? String(result.distinctId) : (result.distinctId as string),
      properties: out,
      timestamp,
      uuid: typeof result.uuid === 'string' && result.uuid !== '' ? result.uuid : wire.uuid,
    }
  }
}
