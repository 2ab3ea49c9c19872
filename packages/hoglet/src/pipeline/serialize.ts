import { libProperties } from '../event.js'
import { SlotForm, type EventQueue } from './event-queue.js'

const GEOIP_JSON = ',"$geoip_disable":true'

/**
 * Completes the JSON text of the queued event in `slot` for the wire: the stored text ends
 * with its properties object (`…,"properties":{…}}`), so hoglet's constant `$lib` properties
 * and the UTC timestamp are spliced in here instead of being stored with every event.
 */
export function createSlotSerializer(disableGeoip: boolean, isServer = true): (queue: EventQueue, slot: number) => string {
  const LIB_JSON = JSON.stringify(libProperties(isServer)).slice(1, -1)
  const defaultSuffix = LIB_JSON + (disableGeoip ? GEOIP_JSON : '') + '},"timestamp":"'
  const disabledSuffix = LIB_JSON + GEOIP_JSON + '},"timestamp":"'
  const enabledSuffix = LIB_JSON + '},"timestamp":"'
  // Events of a burst share their millisecond: its ISO text is made once.
  let lastTime = Number.NaN
  let lastIso = ''
  return (queue, slot) => {
    const json = queue.jsonAt(slot)
    const form = queue.form[slot]
    if (form === SlotForm.Complete) return json
    const suffix = form === SlotForm.Default ? defaultSuffix : form === SlotForm.GeoipDisabled ? disabledSuffix : enabledSuffix
    // `…"properties":{}}` (no properties) needs no comma before `$lib`.
    const empty = json.charCodeAt(json.length - 3) === 123 /* { */
    const time = queue.time[slot]
    if (time !== lastTime) {
      lastIso = new Date(time).toISOString()
      lastTime = time
    }
    return json.slice(0, -2) + (empty ? '' : ',') + suffix + lastIso + '"}'
  }
}
