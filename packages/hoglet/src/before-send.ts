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

/**
 * Wraps a posthog-node style `before_send` function as a wire-level hook: the wire event becomes
 * a message (`distinctId`, properties without hoglet's stamped fields, `groups`, `timestamp`),
 * the function runs, and its answer becomes a wire event again. Only on the slow capture path.
 */
export function beforeSendAdapter(fn: BeforeSendFn, isServer: boolean): (event: WireEvent) => WireEvent | null {
  return (wire) => {
    const { $lib, $lib_version, $is_server, $geoip_disable, $groups, ...properties } = wire.properties
    const geoipDisabled = $geoip_disable === true
    const message: BeforeSendMessage = { distinctId: wire.distinct_id, event: wire.event, properties, timestamp: new Date(wire.timestamp), uuid: wire.uuid, disableGeoip: geoipDisabled }
    if ($groups !== undefined) message.groups = $groups as Record<string, string | number>
    const result = fn(message)
    if (result === null || result === undefined) return null
    if (typeof result !== 'object') return result as never
    // The answer's stamped fields do not count (its `groups` does); hoglet stamps its own again.
    const { $lib: _lib, $lib_version: _version, $is_server: _server, $geoip_disable: _geoip, ...out } = (result.properties ?? {}) as Record<string, unknown>
    const groups = result.groups
    if (groups !== undefined && groups !== null && Object.keys(groups).length > 0) out.$groups = groups
    else if (out.$groups === undefined) delete out.$groups
    out.$lib = $lib
    out.$lib_version = $lib_version
    if (isServer) out.$is_server = true
    if (result.disableGeoip ?? geoipDisabled) out.$geoip_disable = true
    const time = result.timestamp
    return {
      event: result.event,
      distinct_id: typeof result.distinctId === 'number' ? String(result.distinctId) : (result.distinctId as string),
      properties: out,
      timestamp: time instanceof Date && !Number.isNaN(time.getTime()) ? time.toISOString() : wire.timestamp,
      uuid: typeof result.uuid === 'string' && result.uuid !== '' ? result.uuid : wire.uuid,
    }
  }
}
