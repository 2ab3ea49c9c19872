import { lineUuid } from './deterministic-uuid.js'

/** Which input fields (JSONL keys, dotted for nested ones, or CSV columns) hold what. */
export interface FieldMapping {
  distinctId: string
  event: string
  timestamp: string
  uuid: string
  /** JSONL: an object of properties. CSV: a column of JSON properties; other columns are properties too. */
  properties: string
}

/** An event ready for `/batch/`. */
export interface ImportEvent {
  uuid: string
  event: string
  distinct_id: string
  timestamp: string
  properties: Record<string, unknown>
}

export type Mapped = { ok: true; event: ImportEvent } | { ok: false; reason: string }

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Reads one JSONL line as an event, or says why it cannot be one. */
export function mapJsonLine(text: string, lineNumber: number, source: string, fields: FieldMapping): Mapped {
  let record: unknown
  try {
    record = JSON.parse(text)
  } catch {
    return { ok: false, reason: 'invalid JSON' }
  }
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return { ok: false, reason: 'not a JSON object' }
  const obj = record as Record<string, unknown>
  const properties = pick(obj, fields.properties)
  if (properties !== undefined && properties !== null && !isObject(properties)) return { ok: false, reason: `\`${fields.properties}\` is not an object` }
  return build(obj, { ...(properties as Record<string, unknown> | undefined) }, text, lineNumber, source, fields)
}

/** Reads one CSV record (with its header) as an event: unmapped columns become properties. */
export function mapCsvRecord(header: string[], values: string[], text: string, lineNumber: number, source: string, fields: FieldMapping): Mapped {
  if (values.length !== header.length) return { ok: false, reason: `${values.length} columns where the header has ${header.length}` }
  const row: Record<string, unknown> = {}
  const properties: Record<string, unknown> = {}
  const mapped = new Set([fields.distinctId, fields.event, fields.timestamp, fields.uuid, fields.properties])
  for (let i = 0; i < header.length; i++) {
    const column = header[i]!
    row[column] = values[i]
    if (!mapped.has(column) && values[i] !== '') properties[column] = values[i]
  }
  const json = row[fields.properties]
  if (typeof json === 'string' && json !== '') {
    let parsed: unknown
    try {
      parsed = JSON.parse(json)
    } catch {
      return { ok: false, reason: `\`${fields.properties}\` column is not JSON` }
    }
    if (!isObject(parsed)) return { ok: false, reason: `\`${fields.properties}\` column is not a JSON object` }
    Object.assign(properties, parsed)
  }
  for (const key of [fields.uuid, fields.timestamp]) if (row[key] === '') delete row[key]
  return build(row, properties, text, lineNumber, source, fields)
}

function build(row: Record<string, unknown>, properties: Record<string, unknown>, text: string, lineNumber: number, source: string, fields: FieldMapping): Mapped {
  const distinctId = pick(row, fields.distinctId)
  if (typeof distinctId !== 'string' && typeof distinctId !== 'number') return { ok: false, reason: `missing \`${fields.distinctId}\`` }
  if (String(distinctId).trim() === '') return { ok: false, reason: `empty \`${fields.distinctId}\`` }
  const event = pick(row, fields.event)
  if (typeof event !== 'string' || event.trim() === '') return { ok: false, reason: `missing \`${fields.event}\`` }
  const rawTimestamp = pick(row, fields.timestamp)
  if (rawTimestamp === undefined || rawTimestamp === null || rawTimestamp === '') return { ok: false, reason: `missing \`${fields.timestamp}\`` }
  const timestamp = parseTimestamp(rawTimestamp)
  if (timestamp === undefined) return { ok: false, reason: `invalid \`${fields.timestamp}\`` }
  const given = pick(row, fields.uuid)
  let uuid: string
  if (given === undefined || given === null || given === '') uuid = lineUuid(source, lineNumber, text)
  else if (typeof given === 'string' && UUID.test(given)) uuid = given.toLowerCase()
  else return { ok: false, reason: `invalid \`${fields.uuid}\`` }
  return { ok: true, event: { uuid, event, distinct_id: String(distinctId), timestamp, properties } }
}

/** ISO 8601 strings, or epoch numbers (seconds, or milliseconds when that large). */
export function parseTimestamp(value: unknown): string | undefined {
  let ms: number
  if (typeof value === 'number' || (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value))) {
    const n = Number(value)
    ms = n > 1e11 ? n : n * 1000
  } else if (typeof value === 'string') ms = Date.parse(value)
  else return undefined
  if (!Number.isFinite(ms)) return undefined
  const date = new Date(ms)
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString()
}

function pick(obj: Record<string, unknown>, path: string): unknown {
  if (path in obj) return obj[path]
  let value: unknown = obj
  for (const part of path.split('.')) {
    if (!isObject(value)) return undefined
    value = value[part]
  }
  return value
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
