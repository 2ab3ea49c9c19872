import { randomUUID } from 'node:crypto'
import type { Db } from './database.js'

type Props = Record<string, unknown>

/** A person as the control API and the web page show it. */
export interface Person {
  id: number
  uuid: string
  distinctIds: string[]
  properties: Props
  createdAt: number
  updatedAt: number
}

interface PersonState {
  id: number
  uuid: string
  properties: Props
  distinctIds: Set<string>
  createdAt: number
  updatedAt: number
}

/**
 * Persons built from events, PostHog-style: every distinct id belongs to one person;
 * `$identify` and `$create_alias` merge the persons of two distinct ids; `$set`,
 * `$set_once` and `$unset` change properties.
 *
 * The whole table lives in memory too (a development server holds few persons), so the
 * per-event "does this distinct id have a person" check costs a map lookup. Writes go to
 * SQLite inside the caller's transaction; properties are written once per batch.
 */
export class PersonStore {
  private readonly byDistinctId = new Map<string, PersonState>()
  private readonly byId = new Map<number, PersonState>()
  private readonly dirty = new Set<PersonState>()
  private readonly stmt

  constructor(private readonly db: Db) {
    this.stmt = {
      insert: db.prepare('INSERT INTO persons (uuid, properties, created_at, updated_at) VALUES (?, ?, ?, ?)'),
      update: db.prepare('UPDATE persons SET properties = ?, updated_at = ? WHERE id = ?'),
      remove: db.prepare('DELETE FROM persons WHERE id = ?'),
      link: db.prepare('INSERT OR REPLACE INTO person_distinct_ids (distinct_id, person_id) VALUES (?, ?)'),
      move: db.prepare('UPDATE person_distinct_ids SET person_id = ? WHERE person_id = ?'),
    }
    this.load()
  }

  private load(): void {
    this.byDistinctId.clear()
    this.byId.clear()
    for (const row of this.db.prepare('SELECT id, uuid, properties, created_at, updated_at FROM persons').all() as {
      id: number
      uuid: string
      properties: string
      created_at: number
      updated_at: number
    }[]) {
      this.byId.set(row.id, {
        id: row.id,
        uuid: row.uuid,
        properties: JSON.parse(row.properties) as Props,
        distinctIds: new Set(),
        createdAt: row.created_at,
        updatedAt: row.updated_at,
      })
    }
    for (const row of this.db.prepare('SELECT distinct_id, person_id FROM person_distinct_ids').all() as {
      distinct_id: string
      person_id: number
    }[]) {
      const person = this.byId.get(row.person_id)
      if (!person) continue
      person.distinctIds.add(row.distinct_id)
      this.byDistinctId.set(row.distinct_id, person)
    }
  }

  /** Applies one event's person effects. Call inside a transaction, then `flush()`. */
  apply(event: string, distinctId: string, properties: Props, now: number): void {
    if (properties.$process_person_profile === false) return
    let person: PersonState
    if (event === '$identify') {
      const anon = properties.$anon_distinct_id
      person = typeof anon === 'string' && anon !== '' ? this.merge(distinctId, anon, now) : this.ensure(distinctId, now)
    } else if (event === '$create_alias' || event === '$merge_dangerously') {
      const alias = properties.alias
      person = typeof alias === 'string' && alias !== '' ? this.merge(distinctId, alias, now) : this.ensure(distinctId, now)
    } else {
      person = this.ensure(distinctId, now)
    }
    const set = properties.$set
    const setOnce = properties.$set_once
    const unset = properties.$unset
    if (isObject(set) || isObject(setOnce) || Array.isArray(unset)) {
      if (isObject(setOnce)) {
        for (const key in setOnce) if (!(key in person.properties)) person.properties[key] = setOnce[key]
      }
      if (isObject(set)) Object.assign(person.properties, set)
      if (Array.isArray(unset)) for (const key of unset) if (typeof key === 'string') delete person.properties[key]
      person.updatedAt = now
      this.dirty.add(person)
    }
  }

  /** Writes properties changed since the last flush. Call inside the same transaction. */
  flush(): void {
    for (const person of this.dirty) {
      if (this.byId.has(person.id)) this.stmt.update.run(JSON.stringify(person.properties), person.updatedAt, person.id)
    }
    this.dirty.clear()
  }

  /** Drops unflushed changes after a failed transaction, by reloading from the database. */
  rollback(): void {
    this.dirty.clear()
    this.load()
  }

  private ensure(distinctId: string, now: number): PersonState {
    return this.byDistinctId.get(distinctId) ?? this.create(distinctId, now)
  }

  private create(distinctId: string, now: number): PersonState {
    const uuid = randomUUID()
    const id = Number(this.stmt.insert.run(uuid, '{}', now, now).lastInsertRowid)
    const person: PersonState = { id, uuid, properties: {}, distinctIds: new Set(), createdAt: now, updatedAt: now }
    this.byId.set(id, person)
    this.link(distinctId, person)
    return person
  }

  private link(distinctId: string, person: PersonState): void {
    // Capture hands over distinct ids as slices of the request's text: kept as they are, each
    // would keep a whole request body alive in these maps.
    const id = ownCopy(distinctId)
    this.stmt.link.run(id, person.id)
    person.distinctIds.add(id)
    this.byDistinctId.set(id, person)
  }

  /** Makes `primary` and `other` one person; `primary`'s properties win on conflicts. */
  private merge(primary: string, other: string, now: number): PersonState {
    const a = this.byDistinctId.get(primary)
    const b = this.byDistinctId.get(other)
    if (!a && !b) {
      const person = this.create(primary, now)
      this.link(other, person)
      return person
    }
    if (a && !b) {
      this.link(other, a)
      return a
    }
    if (!a && b) {
      this.link(primary, b)
      return b
    }
    if (a === b) return a!
    const target = a!
    const source = b!
    target.properties = { ...source.properties, ...target.properties }
    target.createdAt = Math.min(target.createdAt, source.createdAt)
    target.updatedAt = now
    this.stmt.move.run(target.id, source.id)
    for (const id of source.distinctIds) {
      target.distinctIds.add(id)
      this.byDistinctId.set(id, target)
    }
    this.stmt.remove.run(source.id)
    this.byId.delete(source.id)
    this.dirty.delete(source)
    this.dirty.add(target)
    return target
  }

  /** Stored person properties for flag evaluation; `undefined` for an unknown id. */
  propertiesOf(distinctId: string): Props | undefined {
    return this.byDistinctId.get(distinctId)?.properties
  }

  /** Every distinct id of the person `distinctId` belongs to, `distinctId` first (itself alone when unknown). */
  distinctIdsOf(distinctId: string): string[] {
    const p = this.byDistinctId.get(distinctId)
    return p ? [distinctId, ...[...p.distinctIds].filter((d) => d !== distinctId)] : [distinctId]
  }

  get(distinctId: string): Person | undefined {
    const p = this.byDistinctId.get(distinctId)
    return p && snapshot(p)
  }

  list(limit = 100, search?: string): { results: Person[]; total: number } {
    let all = [...this.byId.values()]
    if (search) {
      const needle = search.toLowerCase()
      all = all.filter(
        (p) =>
          [...p.distinctIds].some((d) => d.toLowerCase().includes(needle)) ||
          JSON.stringify(p.properties).toLowerCase().includes(needle),
      )
    }
    all.sort((x, y) => y.updatedAt - x.updatedAt || y.id - x.id)
    return { results: all.slice(0, limit).map(snapshot), total: all.length }
  }

  count(): number {
    return this.byId.size
  }

  clear(): void {
    this.db.exec('DELETE FROM person_distinct_ids; DELETE FROM persons;')
    this.byDistinctId.clear()
    this.byId.clear()
    this.dirty.clear()
  }
}

function snapshot(p: PersonState): Person {
  return {
    id: p.id,
    uuid: p.uuid,
    distinctIds: [...p.distinctIds],
    properties: { ...p.properties },
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
  }
}

/** A copy of `s` that shares no memory with a larger string (UTF-16 round trip: lossless for any string). */
function ownCopy(s: string): string {
  return Buffer.from(s, 'utf16le').toString('utf16le')
}

function isObject(v: unknown): v is Props {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
