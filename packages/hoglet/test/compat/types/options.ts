// Type-level compatibility: every posthog-node option (besides those of the metrics, logs,
// traces and emails APIs, and the flag and runtime options in flags.ts / runtime.ts), with the
// edge values posthog-node accepts.
import { PostHog, type PostHogOptions, type BeforeSendFn } from 'posthog-compat-target'

const redact: BeforeSendFn = (event) => {
  if (!event) return null
  if (event.properties?.email) event.properties.email = '[redacted]'
  return event.event === 'drop me' ? null : event
}

const options: PostHogOptions = {
  host: 'https://eu.i.posthog.com',
  flushAt: 0,
  flushInterval: -1,
  maxBatchSize: 100,
  maxQueueSize: 1000,
  disabled: false,
  defaultOptIn: false,
  disable_capture_url_hashes: false,
  sendFeatureFlagEvent: true,
  disableRemoteConfig: false,
  disableSurveys: true,
  fetchRetryCount: 0,
  fetchRetryDelay: 100,
  requestTimeout: 0,
  featureFlagsRequestTimeoutMs: 3000,
  featureFlagsRequestMaxRetries: 1,
  remoteConfigRequestTimeoutMs: 3000,
  sessionExpirationTimeSeconds: 1800,
  disableCompression: true,
  disableGeoip: false,
  historicalMigration: false,
  evaluationContexts: ['production'],
  personProfiles: 'identified_only',
  before_send: [redact, (event) => event],
  addTracingHeaders: ['api.example.com'],
  persistence: 'memory',
  secretKey: 'phs_secret',
  personalApiKey: 'phx_personal',
  privacyMode: true,
  enableExceptionAutocapture: false,
  featureFlagsPollingInterval: null,
  maxCacheSize: 0,
  fetch: (url, init) => fetch(url, init),
  enableLocalEvaluation: true,
  custom_blocked_useragents: ['my-crawler'],
  __preview_capture_bot_pageviews: true,
  strictLocalEvaluation: false,
  isServer: false,
  enableFullAiCapture: false,
  exceptionRateLimiterBucketSize: 10,
  exceptionRateLimiterRefillRate: 1,
}

new PostHog('phc_key', options)
new PostHog('phc_key')
new PostHog('phc_key', {})
new PostHog('phc_key', { featureFlagsPollingInterval: 50, before_send: redact })
new PostHog('phc_key', { featureFlagsPollingInterval: 30_000, persistence: 'memory', personProfiles: 'always' })
new PostHog('phc_key', { personProfiles: 'never' })

// A minimal fetch answering posthog-node's contract.
new PostHog('phc_key', {
  fetch: async (_url, init) => {
    const body: unknown = init.body
    void body
    return { status: 200, text: async () => '{}', json: async () => ({}) }
  },
})

// The global fetch, as is.
new PostHog('phc_key', { fetch })
new PostHog('phc_key', { fetch: globalThis.fetch.bind(globalThis) })
