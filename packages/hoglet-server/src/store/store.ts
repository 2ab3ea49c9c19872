import { openDatabase, type Db } from './database.js'
import { EventStore, type IncomingEvent } from './events.js'
import { GroupStore } from './groups.js'
import { HashKeyStore } from './hash-keys.js'
import { PersonStore } from './persons.js'

/**
 * Everything hoglet-server keeps in SQLite. `ingest` stores one request's events, their
 * person and group effects, in one transaction: the request is answered after the commit.
 */
export class Store {
  readonly db: Db
  readonly events: EventStore
  readonly persons: PersonStore
  readonly groups: GroupStore
  readonly hashKeys: HashKeyStore
  private readonly ingestTx

  constructor(path: string) {
    this.db = openDatabase(path)
    this.events = new EventStore(this.db)
    this.persons = new PersonStore(this.db)
    this.groups = new GroupStore(this.db)
    this.hashKeys = new HashKeyStore(this.db)
    this.ingestTx = this.db.transaction((events: IncomingEvent[], endpoint: string, now: number) => {
      let lastId = 0
      for (const e of events) {
        lastId = this.events.insert(e, now, endpoint)
        // A group's own events describe the group, not a person.
        if (e.event === '$groupidentify') this.groups.apply(e.properties, now)
        else this.persons.apply(e.event, e.distinct_id, e.properties, now)
      }
      this.persons.flush()
      return lastId
    })
  }

  /** Stores a batch atomically; returns the id of the last stored event. */
  ingest(events: IncomingEvent[], endpoint: string): number {
    try {
      return this.ingestTx(events, endpoint, Date.now())
    } catch (err) {
      this.persons.rollback()
      throw err
    }
  }

  /** Deletes all events, persons, groups and stored flag hash keys. */
  clear(): void {
    this.db.transaction(() => {
      this.events.clear()
      this.persons.clear()
      this.groups.clear()
      this.hashKeys.clear()
    })()
  }

  close(): void {
    if (this.db.open) this.db.close()
  }
}
