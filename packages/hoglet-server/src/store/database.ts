import Database from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'

export type Db = Database.Database

/**
 * Schema migrations, applied in order; `PRAGMA user_version` records how many ran.
 * Append only: a database written by an older hoglet-server upgrades in place.
 */
const MIGRATIONS: string[] = [
  `CREATE TABLE events (
     id INTEGER PRIMARY KEY,
     uuid TEXT NOT NULL,
     event TEXT NOT NULL,
     distinct_id TEXT NOT NULL,
     properties TEXT NOT NULL,
     timestamp TEXT NOT NULL,
     received_at INTEGER NOT NULL,
     endpoint TEXT NOT NULL
   );
   CREATE TABLE persons (
     id INTEGER PRIMARY KEY,
     uuid TEXT NOT NULL,
     properties TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL
   );
   CREATE TABLE person_distinct_ids (
     distinct_id TEXT PRIMARY KEY,
     person_id INTEGER NOT NULL REFERENCES persons (id)
   ) WITHOUT ROWID;
   CREATE INDEX person_distinct_ids_person ON person_distinct_ids (person_id);
   CREATE TABLE groups (
     group_type TEXT NOT NULL,
     group_key TEXT NOT NULL,
     properties TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     PRIMARY KEY (group_type, group_key)
   ) WITHOUT ROWID;`,
  `CREATE TABLE flag_hash_keys (
     distinct_id TEXT NOT NULL,
     flag_key TEXT NOT NULL,
     hash_key TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     PRIMARY KEY (distinct_id, flag_key)
   ) WITHOUT ROWID;`,
  // An event is stored once per (uuid, event, distinct_id, day): the key PostHog's events table
  // collapses duplicates on, so an SDK re-sending a batch whose answer it missed (a timeout, a
  // crash replayed from a spool) stores nothing twice. Earlier duplicates go, the first kept.
  `DELETE FROM events WHERE id NOT IN (SELECT MIN(id) FROM events GROUP BY uuid, event, distinct_id, substr(timestamp, 1, 10));
   CREATE UNIQUE INDEX events_once ON events (uuid, event, distinct_id, substr(timestamp, 1, 10));`,
]

/** Checkpoint the WAL about this often (SQLite's default is 1000 pages, 4 MiB with 4 KiB pages). */
const CHECKPOINT_BYTES = 40 * 1024 * 1024

/**
 * Opens (creating if needed) the SQLite database: 16 KiB pages for a new file (a quarter of
 * the WAL writes of 4 KiB pages for the same events, about 1 µs of CPU per event stored; a
 * file made with other pages keeps them), WAL so readers never block the writer,
 * `synchronous = NORMAL` (durable across process crashes, which is what a development
 * server needs), a 64 MiB page cache and checkpoints every ~40 MiB of WAL rather than 4 MiB
 * (twice the ingest rate on a 2-core machine; `checkpointer.ts` does most of that copying on a
 * worker thread), then runs pending migrations.
 * The events table's only secondary index is the unique one that stores each event once
 * (every index slows each insert, and filtered reads only happen from tests and the web page).
 */
export function openDatabase(path: string): Db {
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true })
  const db = new Database(path)
  db.pragma('page_size = 16384') // only takes effect before the first table is made
  if (path !== ':memory:') db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.pragma('cache_size = -65536')
  const pageSize = db.pragma('page_size', { simple: true }) as number
  db.pragma(`wal_autocheckpoint = ${Math.round(CHECKPOINT_BYTES / pageSize)}`)
  db.pragma('foreign_keys = OFF')
  migrate(db)
  return db
}

function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!)
      db.pragma(`user_version = ${v + 1}`)
    })()
  }
}

export const SCHEMA_VERSION = MIGRATIONS.length
