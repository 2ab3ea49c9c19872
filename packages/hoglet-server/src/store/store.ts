import { Checkpointer } from './checkpointer.js'
import { openDatabase, type Db } from './database.js'
import { EventStore, type IncomingEvent } from './events.js'
import { GroupStore } from './groups.js'
import { HashKeyStore } from './hash-keys.js'
import { PersonStore } from './persons.js'

import { setImmediate as nextTurn } from 'node:timers/promises'

const NO_PROPERTIES: Record<string, unknown> = Object.freeze({})

/**
 * Events per transaction in `ingestInSlices`: about 10 ms of work each. Every commit writes
 * the pages it touched to the WAL, so fewer, larger ones cost less per event (1000 → 4000
 * measured 6 % less store CPU); much larger would hold the event loop longer between turns.
 */
export const INGEST_SLICE = 2500

/**
 * Everything hoglet-server keeps in SQLite. `ingest` stores one request's events, their
 * person and group effects, in one transaction; `ingestInSlices` does it in slices so a huge
 * batch does not hold the event loop. The request is answered after the last commit.
 */
export class Store {
  readonly db: Db
  readonly events: EventStore
  readonly persons: PersonStore
  readonly groups: GroupStore
  readonly hashKeys: HashKeyStore
  /** Events received again and not stored (already stored under their uuid), since the start or the last `clear()`. */
  duplicateEvents = 0
  private readonly ingestTx
  /** WAL checkpoints off the event loop; none for an in-memory database (no WAL). */
  private readonly checkpointer: Checkpointer | undefined

  constructor(path: string) {
    this.db = openDatabase(path)
    this.events = new EventStore(this.db)
    this.persons = new PersonStore(this.db)
    this.groups = new GroupStore(this.db)
    this.hashKeys = new HashKeyStore(this.db)
    this.checkpointer = this.db.pragma('journal_mode', { simple: true }) === 'wal' ? new Checkpointer(path) : undefined
    this.ingestTx = this.db.transaction((events: IncomingEvent[], endpoint: string, now: number) => {
      const { lastId, duplicates } = this.events.insert(events, now, endpoint)
      let next = 0 // index into `duplicates`: their person and group effects were applied the first time
      for (let i = 0; i < events.length; i++) {
        if (duplicates !== undefined && duplicates[next] === i) {
          next++
          continue
        }
        const e = events[i]!
        // A group's own events describe the group, not a person.
        // Without the object, the properties hold nothing these read (see `IncomingEvent`).
        const properties = e.properties ?? NO_PROPERTIES
        if (e.event === '$groupidentify') this.groups.apply(properties, now)
        else this.persons.apply(e.event, e.distinct_id, properties, now)
      }
      this.persons.flush()
      return { stored: events.length - (duplicates?.length ?? 0), lastId }
    })
  }

  /** Stores a batch atomically; returns how many were stored (duplicates are counted apart) and the id of the last. */
  ingest(events: IncomingEvent[], endpoint: string): { stored: number; lastId: number } {
    let result: { stored: number; lastId: number }
    try {
      result = this.ingestTx(events, endpoint, Date.now())
    } catch (err) {
      this.persons.rollback()
      throw err
    }
    this.duplicateEvents += events.length - result.stored
    this.checkpointer?.committed()
    return result
  }

  /**
   * Stores a batch in transactions of `INGEST_SLICE` events, yielding to the event loop
   * between them (other requests are served meanwhile). A batch is validated whole before
   * this, so only a storage failure could leave part of it stored.
   */
  async ingestInSlices(events: IncomingEvent[], endpoint: string, onSlice: (count: number, lastId: number) => void): Promise<void> {
    if (events.length <= INGEST_SLICE) {
      const { stored, lastId } = this.ingest(events, endpoint)
      if (stored > 0) onSlice(stored, lastId)
      return
    }
    for (let start = 0; start < events.length; start += INGEST_SLICE) {
      if (start > 0) await nextTurn()
      const { stored, lastId } = this.ingest(events.slice(start, start + INGEST_SLICE), endpoint)
      if (stored > 0) onSlice(stored, lastId)
    }
  }

  /** Deletes all events, persons, groups and stored flag hash keys. */
  clear(): void {
    this.duplicateEvents = 0
    this.db.transaction(() => {
      this.events.clear()
      this.persons.clear()
      this.groups.clear()
      this.hashKeys.clear()
    })()
  }

  close(): void {
    this.checkpointer?.close()
    if (this.db.open) this.db.close()
  }
}
