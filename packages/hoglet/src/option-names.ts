/**
 * Which option names `new PostHog(apiKey, options)` knows, and the one warning for each name it
 * does not: a typo (with the nearest known name) or a posthog-node option hoglet does not support.
 * Read once at construction, never on the capture path.
 */

/** Every option hoglet reads (its own names and the posthog-node names it honours). */
export const KNOWN_OPTIONS: ReadonlySet<string> = new Set([
  // delivery
  'host', 'flushAt', 'flushInterval', 'maxBatchSize', 'maxQueueSize', 'requestTimeout', 'fetchRetryCount',
  'fetchRetryDelay', 'fetchRetryMaxDelay', 'disableCompression', 'disableGeoip', 'historicalMigration', 'disabled',
  'debug', 'fetch', 'logger', 'onError', 'beforeSend', 'before_send', 'superProperties', 'syncMode', 'flushOnExit',
  'shutdownTimeoutMs', 'flushOnSignals', 'defaultOptIn', 'persistence', 'persistenceDir', 'persistenceFsync', 'persistenceMaxBytes', 'personProfiles', 'privacyMode', 'enableFullAiCapture',
  'isServer', 'custom_blocked_useragents', '__preview_capture_bot_pageviews',
  'waitUntil', 'waitUntilDebounceMs', 'waitUntilMaxWaitMs',
  // feature flags
  'secretKey', 'personalApiKey', 'enableLocalEvaluation', 'featureFlagsPollingInterval', 'featureFlagsRequestTimeoutMs',
  'featureFlagsRequestMaxRetries', 'remoteConfigRequestTimeoutMs', 'strictLocalEvaluation', 'flagDefinitionCacheProvider',
  'sendFeatureFlagEvent', 'maxCacheSize', 'evaluationContexts', 'evaluationEnvironments', 'preloadFeatureFlags',
  'disableRemoteFeatureFlags', 'bootstrap', 'featureFlagsLogWarnings',
  // exceptions and integrations
  'enableExceptionAutocapture', 'exceptionRateLimiterBucketSize', 'exceptionRateLimiterRefillRate', 'readPostHogCookie',
  // posthog-node accepts these and does nothing with them on a server either
  'disableRemoteConfig', 'disableSurveys', 'sessionExpirationTimeSeconds', 'disable_capture_url_hashes', 'addTracingHeaders',
])

/** posthog-node options hoglet accepts but does not implement: each is named in a warning with the reason. */
export const UNSUPPORTED_OPTIONS: Readonly<Record<string, string>> = Object.freeze({
  metrics: 'the metrics API (`posthog.metrics`) is not part of hoglet yet',
  logs: 'the logs API (`captureLog`) is not part of hoglet yet',
  traces: 'tracing (`startSpan`/`withSpan`) is not part of hoglet yet',
  appHost: 'it only serves the emails API, which is not part of hoglet yet',
  emailRequestTimeoutMs: 'the emails API is not part of hoglet yet',
  emailRequestMaxRetries: 'the emails API is not part of hoglet yet',
  migratedFrom: 'the emails API is not part of hoglet yet',
})

/** The warnings for `options`' names: one per unknown or unsupported name. */
export function optionNameWarnings(options: object): string[] {
  const warnings: string[] = []
  for (const name of Object.keys(options)) {
    if (KNOWN_OPTIONS.has(name)) continue
    const reason = UNSUPPORTED_OPTIONS[name]
    if (reason !== undefined) {
      warnings.push(`The \`${name}\` option is ignored: ${reason}.`)
      continue
    }
    const near = nearestOption(name)
    warnings.push(`Unknown option \`${name}\` is ignored${near ? `; did you mean \`${near}\`?` : '.'}`)
  }
  return warnings
}

/** The known name closest to `name` (same letters ignoring case and `_`, or at most two edits away). */
export function nearestOption(name: string): string | undefined {
  const folded = fold(name)
  let best: string | undefined
  let bestDistance = Number.POSITIVE_INFINITY
  let bestTie = Number.POSITIVE_INFINITY
  for (const known of [...KNOWN_OPTIONS, ...Object.keys(UNSUPPORTED_OPTIONS)]) {
    const distance = fold(known) === folded ? 0 : editDistance(folded, fold(known))
    if (distance > bestDistance) continue
    // Between equally near names, the one spelled closest (`before_sned` → `before_send`) wins.
    const tie = editDistance(name.toLowerCase(), known.toLowerCase())
    if (distance < bestDistance || tie < bestTie) {
      best = known
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
