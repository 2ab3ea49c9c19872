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
import type { Runtime } from '../runtime/types.js'
import { VERSION } from '../version.js'
import { DefinitionsBackup } from './definitions-backup.js'
import { FeatureFlags } from './feature-flags.js'
import { snapshotProperties } from './snapshot-registry.js'
import { minimalExposureProperties } from './exposure.js'
import type { FlagValue, JsonValue, SendFeatureFlagsOptions } from './flag-api.js'


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
  // posthog-node: local only (explicitly or under strict mode) with nothing loaded adds nothing.
  if ((opts.onlyEvaluateLocally ?? flags.strictLocalEvaluation) && !haveLocal) return {}
  const values = await flags.getAllFlags(distinctId, {
    groups,
    personProperties: opts.personProperties,
    groupProperties: opts.groupProperties,
    flagKeys: opts.flagKeys,
    // posthog-node: loaded definitions answer alone; without any, one `/flags` call.
    onlyEvaluateLocally: haveLocal,
  })
  const props: Record<string, unknown> = {}
  const active: string[] = []
  for (const [key, value] of Object.entries(values)) {
    props[`$feature/${key}`] = value
    if (value !== false) active.push(key)
  }
  if (active.length > 0) props.$active_feature_flags = active.sort()
  return props
}

/** What the flag service needs from the client that owns it (the `PostHog` class satisfies it). */
export interface FlagServiceHost {
  readonly config: ResolvedOptions
  readonly runtime: Runtime
  readonly logger: Logger
  reportError(error: Error, level?: 'warn' | 'error'): void
  capture(message: EventMessage): unknown
  getContext(): Readonly<ContextData> | undefined
  setFeatureFlagEnricher(enricher: FeatureFlagEnricher | undefined): void
  addShutdownHook(hook: () => unknown): void
  /** Fires a client event (`localEvaluationFlagsLoaded`). */
  emit(event: 'localEvaluationFlagsLoaded', count: number): void
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
    preloadDefinitions: c.preloadFeatureFlags,
    disableRemote: c.disableRemoteFeatureFlags,
    bootstrap: c.bootstrap ? { flags: c.bootstrap.featureFlags as Record<string, FlagValue>, payloads: c.bootstrap.featureFlagPayloads as Record<string, JsonValue> } : undefined,
    staleValues: c.staleFlagFallback,
    logWarnings: c.featureFlagsLogWarnings,
    onDefinitionsLoaded: (count) => client.emit('localEvaluationFlagsLoaded', count),
    definitionsTimeoutMs: c.requestTimeout,
    requestTimeoutMs: c.featureFlagsRequestTimeoutMs,
    maxRetries: c.featureFlagsRequestMaxRetries,
    remoteConfigTimeoutMs: c.remoteConfigRequestTimeoutMs,
    strictLocalEvaluation: c.strictLocalEvaluation,
    timezone: c.featureFlagsTimezone,
    cacheProvider: c.flagDefinitionCacheProvider,
    backup: definitionsBackup(client),
    sendFeatureFlagEvent: c.sendFeatureFlagEvent,
    maxCacheSize: c.maxCacheSize,
    evaluationContexts: c.evaluationContexts,
    disableGeoip: c.disableGeoip,
    disabled: c.disabled,
    contextDeviceId: () => client.getContext()?.deviceId,
  })
  client.setFeatureFlagEnricher({
    propertiesFromSnapshot: snapshotProperties,
    fetchProperties: (distinctId, groups, options) => propertiesForCapture(flags, distinctId, groups, options),
    exposureProperties: (merged) => minimalExposureProperties(flags.minimalFlagCalledEvents, merged),
  })
  client.addShutdownHook(() => flags.shutdown())
  return flags
}

/** The last-known-good file, where the option asks for one and the runtime has files. */
function definitionsBackup(client: FlagServiceHost): DefinitionsBackup | undefined {
  const { flagDefinitionsBackupPath: path, flagDefinitionsBackupMaxAgeMs: maxAgeMs } = client.config
  if (path === undefined) return undefined
  if (!client.runtime.textFile) {
    client.logger.warn(`flagDefinitionsBackupPath is set but the ${client.runtime.name} runtime has no file system; no backup is kept`)
    return undefined
  }
  return new DefinitionsBackup(client.runtime.textFile(path), path, maxAgeMs, client.logger)
}
