import { assignInto, LIB_PROPERTIES } from '../event.js'
import type { EventQueue } from './event-queue.js'

/**
 * Builds the JSON text of the queued event in `slot`, at batch time. Property precedence, lowest
 * first: super properties, context properties (and its `$session_id`), the event's own
 * properties, then hoglet's `$lib` fields. Throws when the properties cannot become JSON
 * (circular references, BigInt): the batcher refuses that one event and keeps the others.
 */
export function createSlotSerializer(disableGeoip: boolean): (queue: EventQueue, slot: number) => string {
  return (queue, slot) => {
    const built = queue.built[slot]
    if (built !== undefined) return JSON.stringify(built)
    const properties: Record<string, unknown> = {}
    assignInto(properties, queue.supers[slot])
    const scope = queue.scope[slot]
    if (scope !== undefined) {
      assignInto(properties, scope.properties)
      if (scope.sessionId !== undefined) properties.$session_id = scope.sessionId
    }
    assignInto(properties, queue.properties[slot])
    assignInto(properties, LIB_PROPERTIES)
    if (disableGeoip) properties.$geoip_disable = true
    return JSON.stringify({
      event: queue.event[slot],
      distinct_id: queue.distinctId[slot],
      properties,
      timestamp: new Date(queue.time[slot]).toISOString(),
      uuid: queue.uuid[slot],
    })
  }
}
