import { randomUUID } from 'node:crypto'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { HttpError, badRequest, unauthorized } from '../http/errors.js'
import type { IncomingEvent } from '../store/events.js'
import { propertiesText, type BatchLayout } from './batch-layout.js'
import {
  BatchReader,
  DISTINCT_ID_END,
  DISTINCT_ID_PLAIN,
  DISTINCT_ID_START,
  ELEMENT_END,
  ELEMENT_START,
  ESCAPED_KEY,
  EVENT_END,
  EVENT_PLAIN,
  EVENT_START,
  FLAGS,
  NEEDS_PARSE,
  PERSON_KEYS,
  PROPERTIES_END,
  PROPERTIES_OBJECT,
  PROPERTIES_START,
  SLOTS,
  TIMESTAMP_END,
  TIMESTAMP_PLAIN,
  TIMESTAMP_START,
  UUID_END,
  UUID_PLAIN,
  UUID_START,
  readBatch,
  type BatchRead,
} from './batch-reader.js'
import { PARSE_AT_ONCE_CHARS, SLICE_CHARS, parseJsonWithLayout } from './parse-json-in-slices.js'

type Json = Record<string, unknown>
/** An event with its properties as an object (what `JSON.parse` of it gives). */
export type ParsedEvent = Extract<IncomingEvent, { properties: Json }>

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
 *
 * A batch object is read by `batch-reader.ts` (no objects built); everything else, and
 * anything that reader gives up on, by `JSON.parse`: both give the same events and errors.
 */
export async function parseCapture(text: string, now: Date = new Date()): Promise<ParsedCapture> {
  const read = await readBatchInSlices(text)
  const fast = read && (await captureFromRead(text, read, now))
  return fast ?? parseCaptureWithJsonParse(text, now)
}

/** `parseCapture` through `JSON.parse` of the whole body (exported for the tests that compare both paths). */
export async function parseCaptureWithJsonParse(text: string, now: Date = new Date()): Promise<ParsedCapture> {
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

  if (rawEvents.length === 0) throw emptyBatch()
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

const emptyBatch = (): HttpError => badRequest('empty_batch', 'the batch has no events')

/** The reader's scan, a slice per turn of the event loop for a large body (as `JSON.parse` is on the other path). */
async function readBatchInSlices(text: string): Promise<BatchRead | undefined> {
  if (text.length <= PARSE_AT_ONCE_CHARS) return readBatch(text)
  const reader = new BatchReader(text)
  for (let slices = 0; !reader.done; slices++) {
    if (slices > 0) await nextTurn()
    reader.scan(SLICE_CHARS)
  }
  return reader.result()
}

/**
 * The events of a batch object the reader read, or undefined to leave the body to the
 * `JSON.parse` path (the batch's token is not at its top level: the events' tokens decide).
 */
async function captureFromRead(text: string, read: BatchRead, now: Date): Promise<ParsedCapture | undefined> {
  // The object around the array, with `0` in its place: small, and parsed exactly.
  let outer: unknown
  try {
    outer = JSON.parse(`${text.slice(0, read.open)}0${text.slice(read.close + 1)}`)
  } catch {
    return undefined // cannot happen after the reader's checks; JSON.parse then reports it
  }
  if (!isObject(outer) || outer.batch !== 0) return undefined
  if (read.count === 0) throw emptyBatch()
  const token = str(outer.api_key) ?? str(outer.token)
  if (!token) return undefined
  const fallbackTime = now.toISOString()
  const events = new Array<IncomingEvent>(read.count)
  for (let i = 0; i < read.count; i++) {
    if (i > 0 && i % VALIDATE_SLICE === 0) await nextTurn()
    events[i] = eventFromRecord(text, read.records, i, fallbackTime)
  }
  return { token, events }
}

const PLAIN_FIELDS = EVENT_PLAIN | UUID_PLAIN | DISTINCT_ID_PLAIN | TIMESTAMP_PLAIN | PROPERTIES_OBJECT
/** Events whose person or group effects read their properties whatever keys they hold. */
const PROPERTIES_READ = new Set(['$identify', '$create_alias', '$merge_dangerously', '$groupidentify'])

/**
 * Event `index` from its record: the fields as slices of the text when they are what the
 * server SDKs send (plain strings, a valid uuid, a canonical timestamp, an object of
 * properties), else that event alone through `JSON.parse` and `normalizeEvent`.
 */
function eventFromRecord(text: string, records: Int32Array, index: number, fallbackTime: string): IncomingEvent {
  const at = index * SLOTS
  const flags = records[at + FLAGS]!
  const propertiesJson =
    (flags & (PROPERTIES_OBJECT | ESCAPED_KEY)) === PROPERTIES_OBJECT ? text.slice(records[at + PROPERTIES_START], records[at + PROPERTIES_END]) : undefined
  if ((flags & (PLAIN_FIELDS | NEEDS_PARSE)) === PLAIN_FIELDS) {
    const eventStart = records[at + EVENT_START]!
    const eventEnd = records[at + EVENT_END]!
    const idStart = records[at + DISTINCT_ID_START]!
    const idLength = records[at + DISTINCT_ID_END]! - idStart
    const uuidStart = records[at + UUID_START]!
    const timestamp = text.slice(records[at + TIMESTAMP_START], records[at + TIMESTAMP_END])
    if (
      eventEnd > eventStart &&
      idLength > 0 &&
      idLength <= MAX_DISTINCT_ID &&
      records[at + UUID_END]! - uuidStart === 36 &&
      isUuidAt(text, uuidStart) &&
      CANONICAL_TIME.test(timestamp)
    ) {
      const event = text.slice(eventStart, eventEnd)
      const json = propertiesJson!
      const properties = (flags & PERSON_KEYS) !== 0 || PROPERTIES_READ.has(event) ? (JSON.parse(json) as Json) : undefined
      return { uuid: text.slice(uuidStart, uuidStart + 36), event, distinct_id: text.slice(idStart, idStart + idLength), timestamp, properties, propertiesJson: json }
    }
  }
  const raw: unknown = JSON.parse(text.slice(records[at + ELEMENT_START], records[at + ELEMENT_END]))
  return normalizeEvent(raw, index, fallbackTime, propertiesJson)
}

/** `UUID.test` on the 36 characters at `from`, without slicing them out first. */
function isUuidAt(text: string, from: number): boolean {
  for (let k = 0; k < 36; k++) {
    const c = text.charCodeAt(from + k)
    if (k === 8 || k === 13 || k === 18 || k === 23) {
      if (c !== 45) return false
    } else if (!((c >= 48 && c <= 57) || ((c | 32) >= 97 && (c | 32) <= 102))) return false
  }
  return true
}

/**
 * Validates one event and puts `$set`/`$set_once` given at the top level into its properties.
 * `propertiesJson` is the text of the event's `properties` as sent; it is kept on the event
 * only when the properties are stored unchanged.
 */
export function normalizeEvent(raw: unknown, index: number, fallbackTime: string, propertiesJson?: string): ParsedEvent {
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

  const e: ParsedEvent = { uuid: uuid as string, event, distinct_id: distinctId, properties, timestamp }
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
