import type { Db } from './database.js'

type Props = Record<string, unknown>

/** A group (company, project, ...) as `$groupidentify` events describe it. */
export interface Group {
  groupType: string
  groupKey: string
  properties: Props
  createdAt: number
  updatedAt: number
}

/** Groups from `$groupidentify` (`$group_type`, `$group_key`, `$group_set`). */
export class GroupStore {
  private readonly stmt

  constructor(private readonly db: Db) {
    this.stmt = {
      get: db.prepare('SELECT group_type, group_key, properties, created_at, updated_at FROM groups WHERE group_type = ? AND group_key = ?'),
      upsert: db.prepare(
        `INSERT INTO groups (group_type, group_key, properties, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (group_type, group_key) DO UPDATE SET properties = excluded.properties, updated_at = excluded.updated_at`,
      ),
      list: db.prepare('SELECT group_type, group_key, properties, created_at, updated_at FROM groups ORDER BY updated_at DESC LIMIT ?'),
      count: db.prepare('SELECT COUNT(*) AS n FROM groups'),
    }
  }

  /** Applies a `$groupidentify` event. Call inside the batch's transaction. */
  apply(properties: Props, now: number): void {
    const type = properties.$group_type
    const key = properties.$group_key
    if (typeof type !== 'string' || type === '' || (typeof key !== 'string' && typeof key !== 'number')) return
    const existing = this.get(type, String(key))
    const set = properties.$group_set
    const merged = { ...existing?.properties, ...(typeof set === 'object' && set !== null ? (set as Props) : {}) }
    this.stmt.upsert.run(type, String(key), JSON.stringify(merged), existing?.createdAt ?? now, now)
  }

  get(type: string, key: string): Group | undefined {
    const row = this.stmt.get.get(type, key) as Row | undefined
    return row && toGroup(row)
  }

  list(limit = 100): { results: Group[]; total: number } {
    const rows = this.stmt.list.all(limit) as Row[]
    return { results: rows.map(toGroup), total: (this.stmt.count.get() as { n: number }).n }
  }

  count(): number {
    return (this.stmt.count.get() as { n: number }).n
  }

  clear(): void {
    this.db.exec('DELETE FROM groups')
  }
}

interface Row {
  group_type: string
  group_key: string
  properties: string
  created_at: number
  updated_at: number
}

function toGroup(r: Row): Group {
  return {
    groupType: r.group_type,
    groupKey: r.group_key,
    properties: JSON.parse(r.properties) as Props,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }
}
