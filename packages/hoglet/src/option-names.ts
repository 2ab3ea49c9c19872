/**
 * The one warning for each option name `new PostHog(apiKey, options)` does not know: a typo
 * (with the nearest known name) or a posthog-node option hoglet does not support. The known
 * names come from options.ts, where the compiler keeps them equal to `PostHogOptions`' keys.
 * Read once at construction, never on the capture path.
 */

/** posthog-node options hoglet accepts but does not implement: each is named in a warning with the reason. */
export const UNSUPPORTED_OPTIONS: Readonly<Record<string, string>> = Object.freeze({
  metrics: 'the metrics API (`posthog.metrics`) is not part of hoglet yet',
  logs: 'the logs API (`captureLog`) is not part of hoglet yet',
  traces: 'tracing (`startSpan`/`withSpan`) is not part of hoglet yet',
  appHost: 'it only serves the emails API, which is not part of hoglet yet',
  emailRequestTimeoutMs: 'the emails API is not part of hoglet yet',
  emailRequestMaxRetries: 'the emails API is not part of hoglet yet',
  migratedFrom: 'the emails API is not part of hoglet yet',
  preloadFeatureFlags: 'this hoglet version does not implement it yet',
  disableRemoteFeatureFlags: 'this hoglet version does not implement it yet',
  bootstrap: 'this hoglet version does not implement it yet',
  evaluationEnvironments: 'this hoglet version does not implement it yet (use `evaluationContexts`)',
  featureFlagsLogWarnings: 'this hoglet version does not implement it yet',
  waitUntil: 'this hoglet version does not implement it yet: `await posthog.flush()` before the handler returns',
  waitUntilDebounceMs: 'this hoglet version does not implement it yet',
  waitUntilMaxWaitMs: 'this hoglet version does not implement it yet',
  readPostHogCookie: 'this hoglet version does not implement it yet',
})

/** The warnings for `options`' names: one per name not in `known`, with the reason or the nearest known name. */
export function optionNameWarnings(options: object, known: ReadonlySet<string>): string[] {
  const warnings: string[] = []
  for (const name of Object.keys(options)) {
    if (known.has(name)) continue
    const reason = UNSUPPORTED_OPTIONS[name]
    if (reason !== undefined) {
      warnings.push(`The \`${name}\` option is ignored: ${reason}.`)
      continue
    }
    const near = nearestOption(name, known)
    warnings.push(`Unknown option \`${name}\` is ignored${near ? `; did you mean \`${near}\`?` : '.'}`)
  }
  return warnings
}

/** The known name closest to `name` (same letters ignoring case and `_`, or at most two edits away). */
export function nearestOption(name: string, known: ReadonlySet<string>): string | undefined {
  const folded = fold(name)
  let best: string | undefined
  let bestDistance = Number.POSITIVE_INFINITY
  let bestTie = Number.POSITIVE_INFINITY
  for (const candidate of [...known, ...Object.keys(UNSUPPORTED_OPTIONS)]) {
    const distance = fold(candidate) === folded ? 0 : editDistance(folded, fold(candidate))
    if (distance > bestDistance) continue
    // Between equally near names, the one spelled closest (`before_sned` → `before_send`) wins.
    const tie = editDistance(name.toLowerCase(), candidate.toLowerCase())
    if (distance < bestDistance || tie < bestTie) {
      best = candidate
      bestDistance = distance
      bestTie = tie
    }
  }
  const allowed = Math.min(2, Math.floor(folded.length / 4))
  return bestDistance <= allowed ? best : undefined
}

function fold(name: string): string {
  return name.toLowerCase().replace(/_/g, '')
}

/** Levenshtein distance (the names are short; a two-row table is plenty). */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.length]
}
