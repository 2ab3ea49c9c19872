/**
 * Wires the flag service into a `PostHog` client: options → `FeatureFlags`, exposure events
 * through `capture()`, errors through the client's reporter, the capture-time flag enrichment
 * (`flags` snapshot, `sendFeatureFlags`) and shutdown.
 */
import type { FeatureFlagEnricher } from '../capture/event-capturer.js'
import type { ContextData } from '../context.js'
import type { EventMessage } from '../event.js'
import type { Logger } from '../logger.js'
import type { ResolvedOptions } from '../options.js'
import { VERSION } from '../version.js'
import { FeatureFlags } from './feature-flags.js'
import { FeatureFlagEvaluations } from './snapshot.js'

/** What `capture({ sendFeatureFlags })` accepts besides `true`. */
export interface SendFeatureFlagsOptions {
  /** `true`: local only; `false`: ask the server. @default local when definitions are loaded */
  onlyEvaluateLocally?: boolean
  personProperties?: Record<string, unknown>
  groupProperties?: Record<string, Record<string, unknown>>
  flagKeys?: string[]
}

/**
 * `$feature/<key>` and `$active_feature_flags` for `capture({sendFeatureFlags})`: local only
 * when definitions are loaded (unless told otherwise), else one `/flags` call.
 */
export async function propertiesForCapture(
  flags: FeatureFlags,
  distinctId: string,
  groups: Record<string, string | number> | undefined,
  send: boolean | SendFeatureFlagsOptions,
): Promise<Record<string, unknown>> {
  const opts = typeof send === 'object' ? send : {}
  const haveLocal = (flags.poller?.definitions?.data.flags.length ?? 0) > 0
  const values = await flags.getAllFlags(distinctId, {
    groups,
    personProperties: opts.personProperties,
    groupProperties: opts.groupProperties,
    flagKeys: opts.flagKeys,
    onlyEvaluateLocally: opts.onlyEvaluateLocally ?? haveLocal,
  })
  const props: Record<string, unknown> = {}
  const active: string[] = []
  for (const [key, value] of Object.entries(values)) {
    props[`$feature/${key}`] = value
    if (value !== false) active.push(key)
  }
  if (active.length > 0) props.$active_feature_flags = active
  return props
}

/** What the flag service needs from the client that owns it (the `PostHog` class satisfies it). */
export interface FlagServiceHost {
  readonly config: ResolvedOptions
  readonly logger: Logger
  reportError(error: Error, level?: 'warn' | 'error'): void
  capture(message: EventMessage): unknown
  getContext(): Readonly<ContextData> | undefined
  setFeatureFlagEnricher(enricher: FeatureFlagEnricher | undefined): void
  addShutdownHook(hook: () => unknown): void
}

/** Build the flag service for a client from its resolved options, and hook it into capture and shutdown. */
export function createClientFeatureFlags(client: FlagServiceHost): FeatureFlags {
  const c = client.config
  const flags = new FeatureFlags({
    projectToken: c.apiKey,
    host: c.host,
    fetch: c.fetch,
    userAgent: `hoglet/${VERSION}`,
    logger: client.logger,
    report: (error, level) => client.reportError(error, level),
    capture: (e) => {
      client.capture({ distinctId: e.distinctId, event: e.event, properties: e.properties, groups: e.groups, disableGeoip: e.disableGeoip })
    },
    // No `sha1Hex`: the engine's built-in SHA-1 goes straight to the 60-bit bucket number, which
    // measured about a third faster over 40 flags than node:crypto's hex digest (npm run bench -- flags).
    secretKey: c.secretKey,
    enableLocalEvaluation: c.enableLocalEvaluation,
    pollIntervalMs: c.featureFlagsPollingInterval,
    definitionsTimeoutMs: c.requestTimeout,
    requestTimeoutMs: c.featureFlagsRequestTimeoutMs,
    maxRetries: c.featureFlagsRequestMaxRetries,
    remoteConfigTimeoutMs: c.remoteConfigRequestTimeoutMs,
    strictLocalEvaluation: c.strictLocalEvaluation,
    cacheProvider: c.flagDefinitionCacheProvider,
    sendFeatureFlagEvent: c.sendFeatureFlagEvent,
    maxCacheSize: c.maxCacheSize,
    evaluationContexts: c.evaluationContexts,
    disableGeoip: c.disableGeoip,
    disabled: c.disabled,
    contextDeviceId: () => client.getContext()?.deviceId,
  })
  client.setFeatureFlagEnricher({
    propertiesFromSnapshot: (snapshot) => (snapshot instanceof FeatureFlagEvaluations ? snapshot.toEventProperties() : undefined),
    fetchProperties: (distinctId, groups, options) => propertiesForCapture(flags, distinctId, groups, options),
  })
  client.addShutdownHook(() => flags.shutdown())
  return flags
}
