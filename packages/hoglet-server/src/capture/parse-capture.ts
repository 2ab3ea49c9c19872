import { randomUUID } from 'node:crypto'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { HttpError, badRequest, unauthorized } from '../http/errors.js'
import type { IncomingEvent } from '../store/events.js'
import { propertiesText, type BatchLayout } from './batch-layout.js'
import { parseJsonWithLayout } from './parse-json-in-slices.js'

type Json = Record<string, unknown>

/** The events of one capture request and the token that routes them. */
export interface ParsedCapture {
  token: string
  events: IncomingEvent[]
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const MAX_DISTINCT_ID = 200
const CANONICAL_TIME = /^\d{4}-[01]\d-[0-3]\dT[0-2]\d:[0-5]\d:[0-5]\d\.\d{3}Z$/

/** Events validated per turn of the event loop: a 20 MiB batch can hold 600k tiny events. */
const VALIDATE_SLICE = 5000

/**
 * Parses a decoded capture body in any of the three shapes capture accepts: a batch object
 * (`{api_key|token, batch: [...]}`), an array of events, or a single event. Rejects with
 * `HttpError` with capture's status codes: 400 for bad JSON or events, 401 without a token.
 * Long batches are validated in slices, yielding to the event loop between them.
 */
export async function parseCapture(text: string, now: Date = new Date()): Promise<ParsedCapture> {
  let body: unknown
  let layout: BatchLayout | undefined
  try {
    ;({ value: body, layout } = await parseJsonWithLayout(text)) // a huge batch is parsed a slice per turn of the event loop
  } catch {
    throw badRequest('invalid_json', 'request body is not valid JSON')
  }

  let rawEvents: unknown[]
  let token: string | undefined
  if (Array.isArray(body)) {
    rawEvents = body
    token = tokenOfEvents(body)
  } else if (isObject(body) && Array.isArray(body.batch)) {
    rawEvents = body.batch
    token = str(body.api_key) ?? str(body.token) ?? tokenOfEvents(body.batch)
  } else if (isObject(body)) {
    rawEvents = [body]
    token = tokenOf(body)
  } else {
    throw badRequest('invalid_payload', 'body must be a batch object, an array of events or an event')
  }

  if (rawEvents.length === 0) throw badRequest('empty_batch', 'the batch has no events')
  if (!token) throw unauthorized('ingest_key_required', 'no project token (`api_key` or `token`) in the request')

  const fallbackTime = now.toISOString()
  const events = new Array<IncomingEvent>(rawEvents.length)
  // Where each event's properties sit in the text, so they are stored as sent, not re-serialised.
  const kept = layout !== undefined && layout.elements === rawEvents.length && (rawEvents === body || rawEvents === (body as Json).batch) ? layout : undefined
  for (let i = 0; i < rawEvents.length; i++) {
    if (i > 0 && i % VALIDATE_SLICE === 0) await nextTurn()
    events[i] = normalizeEvent(rawEvents[i], i, fallbackTime, propertiesText(text, kept, i))
  }
  return { token, events }
}

/**
 * Validates one event and puts `$set`/`$set_once` given at the top level into its properties.
 * `propertiesJson` is the text of the event's `properties` as sent; it is kept on the event
 * only when the properties are stored unchanged.
 */
export function normalizeEvent(raw: unknown, index: number, fallbackTime: string, propertiesJson?: string): IncomingEvent {
  if (!isObject(raw)) throw badRequest('invalid_event', `event ${index} is not an object`)
  const event = raw.event
  if (typeof event !== 'string' || event === '') throw badRequest('missing_event_name', `event ${index} has no \`event\` name`)

  const properties: Json = isObject(raw.properties) ? raw.properties : {}
  const distinctId = stringifyId(raw.distinct_id ?? raw.$distinct_id ?? properties.distinct_id)
  if (distinctId === '') throw badRequest('missing_distinct_id', `event ${index} has no \`distinct_id\``)

  let uuid = raw.uuid
  if (uuid === undefined || uuid === null || uuid === '') uuid = randomUUID()
  else if (typeof uuid !== 'string' || !UUID.test(uuid)) throw badRequest('invalid_uuid', `event ${index} has an invalid \`uuid\``)

  let timestamp = fallbackTime
  if (typeof raw.timestamp === 'string' && CANONICAL_TIME.test(raw.timestamp)) {
    // What the server SDKs send: already the stored form, no need to parse and re-print.
    timestamp = raw.timestamp
  } else if (raw.timestamp !== undefined && raw.timestamp !== null) {
    const ms = typeof raw.timestamp === 'string' || typeof raw.timestamp === 'number' ? Date.parse(String(raw.timestamp)) : NaN
    if (Number.isNaN(ms)) throw badRequest('invalid_timestamp', `event ${index} has an invalid \`timestamp\``)
    timestamp = new Date(ms).toISOString()
  }

  let kept = propertiesJson !== undefined && properties === raw.properties
  if (isObject(raw.$set) && properties.$set === undefined) {
    properties.$set = raw.$set
    kept = false
  }
  if (isObject(raw.$set_once) && properties.$set_once === undefined) {
    properties.$set_once = raw.$set_once
    kept = false
  }

  const e: IncomingEvent = { uuid: uuid as string, event, distinct_id: distinctId, properties, timestamp }
  if (kept) e.propertiesJson = propertiesJson
  return e
}

function stringifyId(v: unknown): string {
  if (v === undefined || v === null) return ''
  const s = typeof v === 'string' ? v : JSON.stringify(v)
  // Cut by Unicode scalar values, like the server, so a surrogate pair is never split.
  if (s.length <= MAX_DISTINCT_ID) return s
  return Array.from(s).slice(0, MAX_DISTINCT_ID).join('')
}

function tokenOf(e: Json): string | undefined {
  const props = isObject(e.properties) ? e.properties : undefined
  return str(e.token) ?? str(e.$token) ?? str(e.api_key) ?? str(props?.token)
}

/** All events of an array body must carry the same token. */
function tokenOfEvents(events: unknown[]): string | undefined {
  let token: string | undefined
  for (const e of events) {
    if (!isObject(e)) continue
    const t = tokenOf(e)
    if (t === undefined) continue
    if (token !== undefined && t !== token) throw new HttpError(400, 'unroutable_events', 'events carry different tokens')
    token = t
  }
  return token
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined)

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
