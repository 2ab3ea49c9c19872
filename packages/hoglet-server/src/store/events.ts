import type { Db } from './database.js'

/** An event as accepted by capture, ready to store. */
export interface IncomingEvent {
  uuid: string
  event: string
  distinct_id: string
  properties: Record<string, unknown>
  timestamp: string
  /** `properties` as the request's JSON text, when it can be stored as is. */
  propertiesJson?: string
}

/** A stored event, as the control API and the web page return it. */
export interface StoredEvent extends Omit<IncomingEvent, 'propertiesJson'> {
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

/** The events table: one prepared insert, reads newest first. */
export class EventStore {
  private readonly insertStmt
  private readonly countStmt

  constructor(private readonly db: Db) {
    this.insertStmt = db.prepare(
      // OR IGNORE: an event already stored (same uuid, event, distinct_id and day, see database.ts) is skipped.
      'INSERT OR IGNORE INTO events (uuid, event, distinct_id, properties, timestamp, received_at, endpoint) VALUES (?, ?, ?, ?, ?, ?, ?)',
    )
    this.countStmt = db.prepare('SELECT COUNT(*) AS n FROM events')
  }

  /** Inserts one event; call inside the batch's transaction. Returns the row id, or 0 when the event is stored already. */
  insert(e: IncomingEvent, receivedAt: number, endpoint: string): number {
    const properties = e.propertiesJson ?? JSON.stringify(e.properties)
    const result = this.insertStmt.run(e.uuid, e.event, e.distinct_id, properties, e.timestamp, receivedAt, endpoint)
    return result.changes === 0 ? 0 : Number(result.lastInsertRowid)
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
