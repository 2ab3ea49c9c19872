import type { Db } from './database.js'

/**
 * Experience continuity: the hash key each person keeps per flag with
 * `ensure_experience_continuity`, so the flag's value survives the switch from an anonymous
 * to an identified distinct id. A `/flags` request that names `$anon_distinct_id` records it
 * as the hash key of every continuity flag the person has none for yet; an existing key is
 * never replaced. Keys are stored by distinct id and read across all of a person's ids.
 */
export class HashKeyStore {
  private readonly stmt

  constructor(private readonly db: Db) {
    this.stmt = {
      byDistinctId: db.prepare('SELECT flag_key, hash_key FROM flag_hash_keys WHERE distinct_id = ?'),
      insert: db.prepare('INSERT OR IGNORE INTO flag_hash_keys (distinct_id, flag_key, hash_key, created_at) VALUES (?, ?, ?, ?)'),
      count: db.prepare('SELECT COUNT(*) AS n FROM flag_hash_keys'),
    }
  }

  /** Flag key → hash key, over the given distinct ids (one person's); the first id listed wins. */
  lookup(distinctIds: readonly string[]): Record<string, string> {
    const out: Record<string, string> = {}
    for (const id of distinctIds) {
      for (const row of this.stmt.byDistinctId.all(id) as { flag_key: string; hash_key: string }[]) {
        if (!(row.flag_key in out)) out[row.flag_key] = row.hash_key
      }
    }
    return out
  }

  /**
   * Records `hashKey` for the flags among `flagKeys` that have no key yet for this person, and
   * returns the person's keys afterwards.
   */
  remember(distinctIds: readonly string[], flagKeys: readonly string[], hashKey: string): Record<string, string> {
    const existing = this.lookup(distinctIds)
    const missing = flagKeys.filter((k) => !(k in existing))
    if (missing.length > 0 && distinctIds.length > 0) {
      const now = Date.now()
      this.db.transaction(() => {
        for (const key of missing) this.stmt.insert.run(distinctIds[0], key, hashKey, now)
      })()
      for (const key of missing) existing[key] = hashKey
    }
    return existing
  }

  count(): number {
    return (this.stmt.count.get() as { n: number }).n
  }

  clear(): void {
    this.db.exec('DELETE FROM flag_hash_keys')
  }
}
