import type { Db } from './database.js'

interface EventFields {
  uuid: string
  event: string
  distinct_id: string
  timestamp: string
}

/**
 * An event as accepted by capture, ready to store: its properties as an object, as the
 * request's JSON text (stored as is), or both. Capture leaves the object out when the text
 * holds nothing person or group effects read (no `$set`, `$set_once`, `$unset`,
 * `$process_person_profile`, `$anon_distinct_id` or `alias`; not an `$identify`,
 * `$create_alias`, `$merge_dangerously` or `$groupidentify` event).
 */
export type IncomingEvent = EventFields &
  ({ properties: Record<string, unknown>; propertiesJson?: string } | { properties?: undefined; propertiesJson: string })

/** A stored event, as the control API and the web page return it. */
export interface StoredEvent extends EventFields {
  properties: Record<string, unknown>
  id: number
  receivedAt: number
  endpoint: string
}

/** Filters for listing events. */
export interface EventQuery {
  event?: string | undefined
  distinctId?: string | undefined
  /** Only events with an id greater than this (for polling). */
  afterId?: number | undefined
  /** @default 100 */
  limit?: number | undefined
}

/** Rows per multi-row INSERT: each statement run crosses into SQLite once, not once per event. */
const ROWS_PER_INSERT = 100
/** Parameters bound per row; `received_at` and `endpoint` are bound once per statement (named, shared by its rows). */
const COLUMNS = 5

/** The one insert statement for `rows` events; every event goes into the table through it. */
function insertSql(rows: number): string {
  const row = '(?, ?, ?, ?, ?, @receivedAt, @endpoint)'
  // OR IGNORE: an event already stored (same uuid, event, distinct_id and day: the unique index of database.ts) is skipped.
  return `INSERT OR IGNORE INTO events (uuid, event, distinct_id, properties, timestamp, received_at, endpoint) VALUES ${Array(rows).fill(row).join(', ')}`
}

/** The events table: prepared inserts (one row, and `ROWS_PER_INSERT` rows), reads newest first. */
export class EventStore {
  private readonly insertOne
  private readonly insertMany
  private readonly countStmt
  private readonly maxIdStmt
  private readonly idOfStmt
  /** Parameters of one multi-row insert, reused: nothing is allocated per row. */
  private readonly params = new Array<unknown>(ROWS_PER_INSERT * COLUMNS)

  constructor(private readonly db: Db) {
    this.insertOne = db.prepare(insertSql(1))
    this.insertMany = db.prepare(insertSql(ROWS_PER_INSERT))
    this.countStmt = db.prepare('SELECT COUNT(*) AS n FROM events')
    this.maxIdStmt = db.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM events').pluck()
    this.idOfStmt = db
      .prepare('SELECT id FROM events WHERE uuid = ? AND event = ? AND distinct_id = ? AND substr(timestamp, 1, 10) = substr(?, 1, 10)')
      .pluck()
  }

  /**
   * Inserts a request's events in order; call inside the batch's transaction. Properties are
   * stored as the request's JSON when it was kept, serialised only otherwise. Returns the row
   * id of the last event inserted, and the indexes of the events not stored because they
   * were stored already (undefined when there were none: the usual case costs nothing more).
   */
  insert(events: readonly IncomingEvent[], receivedAt: number, endpoint: string): { lastId: number; duplicates: number[] | undefined } {
    let lastId = 0
    let i = 0
    const params = this.params
    const idBefore = this.maxIdStmt.get() as number
    let stored = 0
    const shared = { receivedAt, endpoint }
    for (; i + ROWS_PER_INSERT <= events.length; i += ROWS_PER_INSERT) {
      for (let k = 0; k < ROWS_PER_INSERT; k++) {
        const e = events[i + k]!
        const at = k * COLUMNS
        params[at] = e.uuid
        params[at + 1] = e.event
        params[at + 2] = e.distinct_id
        params[at + 3] = e.propertiesJson ?? JSON.stringify(e.properties)
        params[at + 4] = e.timestamp
      }
      const result = this.insertMany.run(params, shared)
      stored += result.changes
      lastId = Number(result.lastInsertRowid)
    }
    for (; i < events.length; i++) {
      const e = events[i]!
      const properties = e.propertiesJson ?? JSON.stringify(e.properties)
      const result = this.insertOne.run(e.uuid, e.event, e.distinct_id, properties, e.timestamp, shared)
      stored += result.changes
      lastId = Number(result.lastInsertRowid)
    }
    params.fill(undefined) // the request's strings are not kept alive until the next one
    if (stored === events.length) return { lastId, duplicates: undefined }
    return { lastId, duplicates: this.duplicatesAmong(events, idBefore) }
  }

  /**
   * Which of the events just inserted were skipped: those whose stored row is older than the
   * insert, or, for one sent twice in the same request, every copy after the first.
   */
  private duplicatesAmong(events: readonly IncomingEvent[], idBefore: number): number[] {
    const duplicates: number[] = []
    const seen = new Set<number>()
    events.forEach((e, index) => {
      const id = this.idOfStmt.get(e.uuid, e.event, e.distinct_id, e.timestamp) as number
      if (id <= idBefore || seen.has(id)) duplicates.push(index)
      else seen.add(id)
    })
    return duplicates
  }

  list(q: EventQuery = {}): StoredEvent[] {
    const where: string[] = []
    const args: unknown[] = []
    if (q.event) {
      where.push('event = ?')
      args.push(q.event)
    }
    if (q.distinctId) {
      where.push('distinct_id = ?')
      args.push(q.distinctId)
    }
    if (q.afterId !== undefined) {
      where.push('id > ?')
      args.push(q.afterId)
    }
    args.push(Math.max(1, Math.min(q.limit ?? 100, 10_000)))
    const sql = `SELECT * FROM events ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id DESC LIMIT ?`
    return (this.db.prepare(sql).all(...args) as Row[]).map(toEvent)
  }

  get(id: number): StoredEvent | undefined {
    const row = this.db.prepare('SELECT * FROM events WHERE id = ?').get(id) as Row | undefined
    return row && toEvent(row)
  }

  count(): number {
    return (this.countStmt.get() as { n: number }).n
  }

  /** Event names with their counts, most frequent first. */
  names(): { event: string; count: number }[] {
    return this.db.prepare('SELECT event, COUNT(*) AS count FROM events GROUP BY event ORDER BY count DESC').all() as {
      event: string
      count: number
    }[]
  }

  clear(): void {
    this.db.exec('DELETE FROM events')
  }
}

interface Row {
  id: number
  uuid: string
  event: string
  distinct_id: string
  properties: string
  timestamp: string
  received_at: number
  endpoint: string
}

function toEvent(r: Row): StoredEvent {
  return {
    id: r.id,
    uuid: r.uuid,
    event: r.event,
    distinct_id: r.distinct_id,
    properties: JSON.parse(r.properties) as Record<string, unknown>,
    timestamp: r.timestamp,
    receivedAt: r.received_at,
    endpoint: r.endpoint,
  }
}
