/**
 * The stale-value fallback (the `staleFlagFallback` option, after the Python SDK's
 * `flag_fallback_cache_url`): the last good answer for each (distinct id, flag) is kept, and
 * answered only when `/flags` fails (timeout, network, 5xx, quota), while it is younger than
 * `maxAgeMs`. Bounded by distinct ids, least recently used forgotten first; forgotten whole
 * when new definitions are installed (the old answers may no longer hold).
 */
import type { FeatureFlagResult } from './flag-api.js'

interface Entry {
  result: FeatureFlagResult
  at: number
}

export class StaleFlagValues {
  private readonly byDistinctId = new Map<string, Map<string, Entry>>()

  constructor(
    private readonly maxAgeMs: number,
    private readonly maxDistinctIds: number,
    private readonly now: () => number = Date.now,
  ) {}

  remember(distinctId: string, result: FeatureFlagResult): void {
    let flags = this.byDistinctId.get(distinctId)
    if (flags) this.byDistinctId.delete(distinctId)
    else flags = new Map()
    this.byDistinctId.set(distinctId, flags)
    flags.set(result.key, { result, at: this.now() })
    if (this.byDistinctId.size > this.maxDistinctIds) this.byDistinctId.delete(this.byDistinctId.keys().next().value as string)
  }

  /** The remembered answer while it is young enough; undefined otherwise. */
  recall(distinctId: string, key: string): FeatureFlagResult | undefined {
    const entry = this.byDistinctId.get(distinctId)?.get(key)
    if (!entry || this.now() - entry.at > this.maxAgeMs) return undefined
    return entry.result
  }

  clear(): void {
    this.byDistinctId.clear()
  }
}
