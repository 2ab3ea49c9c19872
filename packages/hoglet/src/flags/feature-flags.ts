/**
 * The client's flag service: local evaluation first (definitions polled and compiled once
 * per load), remote `/flags` for whatever local evaluation cannot decide, exposure events,
 * test overrides. Every public method resolves: a failure becomes `undefined`, one report
 * (the client's logger, `onError` and `error` event) and a `$feature_flag_error` on the
 * exposure event.
 */
import { compileFlags, evaluateAllFlags, evaluateFlag, type CompiledFlags, type EvaluationSubject, type LocalFlagResult } from './engine.js'
import type { FlagDefinitionsResponse } from './types.js'
import {
  decodePayload,
  groupPropertiesFor,
  normalizeOverrides,
  type AllFlagsOptions,
  type FeatureFlagResult,
  type FetchFn,
  type FlagCallOptions,
  type FlagOverrides,
  type FlagReason,
  type FlagValue,
  type FlagsAndPayloads,
  type FlagsLogger,
  type JsonValue,
  type NormalizedOverrides,
} from './flag-api.js'
import type { FlagDefinitionCacheData, FlagDefinitionCacheProvider } from './cache-provider.js'
import { DefinitionsPoller } from './poller.js'
import { RemoteFlagsClient, fetchRemoteConfigPayload, type RemoteFlagRecord, type RemoteFlagsError, type RemoteFlagsResponse } from './remote.js'
import { ExposureReporter, type Exposure, type ExposureEvent } from './exposure.js'
import { FeatureFlagEvaluations, exposureFor, type FlagRecord, type SnapshotContext } from './snapshot.js'

const NO_OPTIONS: FlagCallOptions = Object.freeze({})
const NO_ERRORS: readonly string[] = Object.freeze([])

export interface FeatureFlagsConfig {
  projectToken: string
  host: string
  fetch: FetchFn
  userAgent: string
  logger: FlagsLogger
  /** Logs and reports an error (the client's logger, `onError` and `error` event). */
  report: (error: Error, level: 'warn' | 'error') => void
  /** Sends an exposure event through the client's capture. */
  capture: (event: ExposureEvent) => void
  /** Bucketing SHA-1; by default the engine's own, which is faster than node:crypto for flag hashing's short inputs. */
  sha1Hex?: (input: string) => string
  secretKey: string | undefined
  enableLocalEvaluation: boolean
  pollIntervalMs: number
  definitionsTimeoutMs: number
  requestTimeoutMs: number
  maxRetries: number
  remoteConfigTimeoutMs: number
  strictLocalEvaluation: boolean
  cacheProvider: FlagDefinitionCacheProvider | undefined
  sendFeatureFlagEvent: boolean
  maxCacheSize: number
  evaluationContexts: readonly string[] | undefined
  /** The client's default for `geoip_disable`. */
  disableGeoip: boolean
  /** Device id of the current context scope, used when a call passes no `deviceId`. */
  contextDeviceId?: () => string | undefined
  /** A disabled client evaluates nothing and makes no requests. @default false */
  disabled?: boolean
  /** Retry delay of `/flags` (tests shorten it). @default 300 */
  retryDelayMs?: number
  onDefinitionsLoaded?: (flagCount: number) => void
}

/** Definitions in evaluable form plus the raw payload tables (for `matchValue` lookups). */
interface Compiled {
  engine: CompiledFlags
  payloads: Map<string, Record<string, unknown>>
  /** Flags whose definition says whether an experiment uses them. */
  hasExperiment: Map<string, boolean>
}

/** Outcome of an all-flags pass: records by key plus what the remote part reported. */
interface AllFlags {
  records: Map<string, FlagRecord>
  remote: RemoteFlagsResponse | undefined
  remoteError: RemoteFlagsError | undefined
}

export class FeatureFlags {
  readonly poller: DefinitionsPoller<Compiled> | undefined
  private readonly remote: RemoteFlagsClient
  private readonly exposures: ExposureReporter
  private overrides: NormalizedOverrides = { flags: undefined, payloads: undefined }

  constructor(private readonly config: FeatureFlagsConfig) {
    this.remote = new RemoteFlagsClient({
      host: config.host,
      projectToken: config.projectToken,
      fetch: config.fetch,
      userAgent: config.userAgent,
      timeoutMs: config.requestTimeoutMs,
      maxRetries: config.maxRetries,
      retryDelayMs: config.retryDelayMs,
      evaluationContexts: config.evaluationContexts ? [...config.evaluationContexts] : undefined,
    })
    this.exposures = new ExposureReporter(config.capture, config.maxCacheSize, config.logger)
    if (config.secretKey && config.enableLocalEvaluation && !config.disabled) {
      this.poller = new DefinitionsPoller<Compiled>({
        host: config.host,
        projectToken: config.projectToken,
        secretKey: config.secretKey,
        fetch: config.fetch,
        userAgent: config.userAgent,
        pollIntervalMs: config.pollIntervalMs,
        requestTimeoutMs: config.definitionsTimeoutMs,
        logger: config.logger,
        compile: (data) => this.compile(data),
        cacheProvider: config.cacheProvider,
        report: config.report,
        onLoaded: config.onDefinitionsLoaded,
      })
      this.poller.start()
    }
  }

  // ---- single flag -------------------------------------------------------------------

  async getFeatureFlagResult(key: string, distinctId: string | number | undefined, options: FlagCallOptions = {}, matchValue?: FlagValue): Promise<FeatureFlagResult | undefined> {
    return this.evaluateOne(key, distinctId, options, this.config.sendFeatureFlagEvent, matchValue)
  }

  getFeatureFlag(key: string, distinctId: string | number | undefined, options?: FlagCallOptions): Promise<FlagValue | undefined> {
    const local = this.localAnswer(key, distinctId, options)
    if (local !== undefined) return Promise.resolve(local.value)
    return this.evaluateOne(key, distinctId, options, this.config.sendFeatureFlagEvent).then((r) => (r ? (r.variant ?? r.enabled) : undefined))
  }

  isFeatureEnabled(key: string, distinctId: string | number | undefined, options?: FlagCallOptions): Promise<boolean | undefined> {
    const local = this.localAnswer(key, distinctId, options)
    if (local !== undefined) return Promise.resolve(local.enabled)
    return this.evaluateOne(key, distinctId, options, this.config.sendFeatureFlagEvent).then((r) => (r ? r.enabled : undefined))
  }

  /**
   * The hot path: a flag decided by the loaded definitions, answered synchronously with no
   * intermediate objects (the exposure is built only when it is new). Anything else
   * (overrides, bad input, not loaded, undecidable locally) returns undefined and takes the
   * full asynchronous path.
   */
  private localAnswer(key: string, distinctId: unknown, options: FlagCallOptions | undefined): LocalFlagResult | undefined {
    const loaded = this.poller?.definitions
    if (!loaded || this.overrides.flags || typeof distinctId !== 'string' || distinctId === '' || typeof key !== 'string') return undefined
    const opts = options ?? NO_OPTIONS
    let outcome
    try {
      outcome = evaluateFlag(loaded.compiled.engine, key, this.subject(distinctId, opts))
    } catch {
      return undefined // the full path evaluates again and reports the failure
    }
    if (outcome.kind !== 'evaluated') return undefined
    const r = outcome.result
    if ((opts.sendFeatureFlagEvents ?? this.config.sendFeatureFlagEvent) && this.exposures.isNew(distinctId, key, r.value, opts.groups)) {
      const context: SnapshotContext = {
        distinctId,
        groups: opts.groups,
        disableGeoip: opts.disableGeoip,
        requestId: undefined,
        evaluatedAt: undefined,
        errorsWhileComputingFlags: false,
        quotaLimited: false,
        definitionsLoadedAt: loaded.loadedAt,
      }
      this.exposures.send(exposureFor(key, localRecord(r, loaded.compiled.hasExperiment.get(key)), context, NO_ERRORS))
    }
    return r
  }

  /**
   * The decoded payload for the flag's value for this subject, or for `matchValue` when given
   * (answered from local definitions without evaluating when they have the flag). `null` when
   * the flag has a value but no payload for it; `undefined` when the flag is unknown.
   */
  async getFeatureFlagPayload(key: string, distinctId: string | number | undefined, matchValue?: FlagValue, options: FlagCallOptions = {}): Promise<JsonValue | null | undefined> {
    const overridden = this.overrides.payloads?.get(key)
    if (overridden !== undefined) return overridden
    if (matchValue !== undefined) {
      const table = this.poller?.definitions?.compiled.payloads.get(key)
      if (table) return decodePayload(table[String(matchValue)]) ?? null
    }
    const result = await this.evaluateOne(key, distinctId, options, false, matchValue)
    if (!result) return undefined
    return result.payload ?? null
  }

  private async evaluateOne(key: string, rawDistinctId: unknown, options: FlagCallOptions | undefined, sendEventsDefault: boolean, matchValue?: FlagValue): Promise<FeatureFlagResult | undefined> {
    if (this.config.disabled) return undefined
    const distinctId = this.checkInput('flag call', rawDistinctId, true, key)
    if (distinctId === undefined) return undefined
    options ??= {}
    const overridden = this.overrides.flags?.get(key)
    if (overridden !== undefined) return this.overrideResult(key, overridden)
    if (this.poller && !this.poller.isReady()) await this.awaitFirstLoad()
    const loaded = this.poller?.definitions
    const context: SnapshotContext = {
      distinctId,
      groups: options.groups,
      disableGeoip: options.disableGeoip,
      requestId: undefined,
      evaluatedAt: undefined,
      errorsWhileComputingFlags: false,
      quotaLimited: false,
      definitionsLoadedAt: loaded?.loadedAt,
    }
    const errors: string[] = []
    let record: FlagRecord | undefined
    let why = 'definitions not loaded'
    if (loaded) {
      try {
        const outcome = evaluateFlag(loaded.compiled.engine, key, this.subject(distinctId, options))
        if (outcome.kind === 'evaluated') record = localRecord(outcome.result, loaded.compiled.hasExperiment.get(key))
        else why = outcome.kind === 'inconclusive' ? outcome.why : 'not in the local definitions'
      } catch (err) {
        why = 'local evaluation failed'
        this.config.logger.error(`local evaluation of ${key} failed`, err)
      }
    }
    if (!record && this.onlyLocal(options)) {
      this.config.logger.debug(`${key} cannot be evaluated locally (${why}) and remote evaluation is off`)
    } else if (!record) {
      this.config.logger.debug(`${key} asks the server: ${why}`)
      const outcome = await this.remote.evaluate(this.remoteRequest(distinctId, options, [key]))
      if (outcome.ok) {
        const rec = outcome.response.flags.get(key)
        if (rec) record = remoteRecord(rec)
        context.requestId = outcome.response.requestId
        context.evaluatedAt = outcome.response.evaluatedAt
        if (outcome.response.errorsWhileComputingFlags) errors.push('errors_while_computing_flags')
        if (!rec) errors.push('flag_missing')
      } else {
        errors.push(outcome.error.code)
        this.reportRemoteError(outcome.error)
      }
    }
    if (options.sendFeatureFlagEvents ?? sendEventsDefault) this.expose(exposureFor(key, record, context, errors))
    if (!record) return undefined
    if (matchValue === undefined) return { key, enabled: record.enabled, variant: record.variant, payload: record.payload, reason: record.reason }
    // A match value picks the payload locally; remotely it overrides the value and keeps the server's payload.
    const payload = record.locallyEvaluated ? decodePayload(loaded?.compiled.payloads.get(key)?.[String(matchValue)]) : record.payload
    return { key, enabled: matchValue !== false, variant: typeof matchValue === 'string' ? matchValue : undefined, payload, reason: record.reason }
  }

  // ---- all flags ---------------------------------------------------------------------

  /** Every flag's value for the subject. Sends no exposure events. */
  getAllFlags(distinctId: string | number | undefined, options?: AllFlagsOptions): Promise<Record<string, FlagValue>> {
    const results = this.localAll(distinctId, options)
    if (results) {
      const values: Record<string, FlagValue> = {}
      for (const key in results) values[key] = results[key]!.value
      return Promise.resolve(values)
    }
    return this.getAllFlagsAndPayloads(distinctId, options).then((r) => r.featureFlags)
  }

  /**
   * The hot path of the all-flags calls: every requested flag decided by the loaded
   * definitions, synchronously. Undefined when anything needs the full path (overrides, bad
   * input, a `flagKeys` filter, not loaded, a flag only the server can decide).
   */
  private localAll(distinctId: unknown, options: AllFlagsOptions | undefined): Record<string, LocalFlagResult> | undefined {
    const loaded = this.poller?.definitions
    if (!loaded || this.overrides.flags || typeof distinctId !== 'string' || distinctId === '' || options?.flagKeys !== undefined) return undefined
    try {
      const { results, inconclusive } = evaluateAllFlags(loaded.compiled.engine, this.subject(distinctId, options ?? NO_OPTIONS))
      return inconclusive.length === 0 ? results : undefined
    } catch {
      return undefined // the full path evaluates again and reports the failure
    }
  }

  /** Every flag's value and decoded payload for the subject. Sends no exposure events. */
  async getAllFlagsAndPayloads(distinctId: string | number | undefined, options: AllFlagsOptions = {}): Promise<FlagsAndPayloads> {
    const { records } = await this.evaluateAll(distinctId, options)
    const featureFlags: Record<string, FlagValue> = {}
    const featureFlagPayloads: Record<string, JsonValue> = {}
    for (const record of records.values()) {
      featureFlags[record.key] = record.variant ?? record.enabled
      if (record.payload !== undefined) featureFlagPayloads[record.key] = record.payload
    }
    return { featureFlags, featureFlagPayloads }
  }

  /** A snapshot of every flag (or `flagKeys`) for the subject: local first, one `/flags` call at most. */
  async evaluateFlags(rawDistinctId: unknown, options: AllFlagsOptions = {}): Promise<FeatureFlagEvaluations> {
    if (this.config.disabled) return FeatureFlagEvaluations.empty(this.config.logger)
    const distinctId = this.checkInput('evaluateFlags', rawDistinctId, false)
    if (distinctId === undefined) return FeatureFlagEvaluations.empty(this.config.logger)
    options ??= {}
    const { records, remote, remoteError } = await this.evaluateAll(distinctId, options)
    const sendEvents = options.sendFeatureFlagEvents ?? this.config.sendFeatureFlagEvent
    return new FeatureFlagEvaluations(
      records,
      {
        distinctId,
        groups: options.groups,
        disableGeoip: options.disableGeoip,
        requestId: remote?.requestId,
        evaluatedAt: remote?.evaluatedAt,
        errorsWhileComputingFlags: remote?.errorsWhileComputingFlags ?? false,
        quotaLimited: remoteError?.kind === 'quota_limited',
        definitionsLoadedAt: this.poller?.definitions?.loadedAt,
      },
      sendEvents ? (e) => this.expose(e) : undefined,
      this.config.logger,
    )
  }

  private async evaluateAll(rawDistinctId: unknown, options: AllFlagsOptions): Promise<AllFlags> {
    const records = new Map<string, FlagRecord>()
    if (this.config.disabled) return { records, remote: undefined, remoteError: undefined }
    const distinctId = this.checkInput('all-flags call', rawDistinctId, false)
    if (distinctId === undefined) return { records, remote: undefined, remoteError: undefined }
    options ??= {}
    let wanted: string[] | undefined
    if (Array.isArray(options.flagKeys)) {
      wanted = options.flagKeys.filter((k): k is string => typeof k === 'string')
      if (wanted.length === 0) wanted = undefined
    } else if (options.flagKeys !== undefined) {
      this.config.report(new TypeError('`flagKeys` must be an array of flag keys; evaluating all flags'), 'warn')
    }
    await this.awaitFirstLoad()
    const loaded = this.poller?.definitions
    // Which keys the server must decide: everything (or `wanted`) without definitions;
    // with definitions only what local evaluation could not.
    let remoteKeys: string[] | undefined = wanted
    let needRemote = !loaded
    if (loaded) {
      try {
        const { results, inconclusive } = evaluateAllFlags(loaded.compiled.engine, this.subject(distinctId, options), wanted)
        for (const key in results) records.set(key, localRecord(results[key]!, loaded.compiled.hasExperiment.get(key)))
        remoteKeys = [...inconclusive]
        if (wanted) for (const k of wanted) if (!records.has(k) && !remoteKeys.includes(k)) remoteKeys.push(k)
        needRemote = remoteKeys.length > 0
      } catch (err) {
        needRemote = true
        remoteKeys = wanted
        this.config.logger.error('local evaluation of all flags failed', err)
      }
    }
    this.applyOverrides(records, wanted)
    if (!needRemote || this.onlyLocal(options)) return { records, remote: undefined, remoteError: undefined }
    const outcome = await this.remote.evaluate(this.remoteRequest(distinctId, options, remoteKeys))
    if (!outcome.ok) {
      this.reportRemoteError(outcome.error)
      return { records, remote: undefined, remoteError: outcome.error }
    }
    for (const [key, rec] of outcome.response.flags) {
      if (records.has(key)) continue
      records.set(key, remoteRecord(rec))
    }
    return { records, remote: outcome.response, remoteError: undefined }
  }

  // ---- remote config, lifecycle, overrides ---------------------------------------------

  /** The flag's remote-config payload (decrypted by the server); needs a secret key. */
  async getRemoteConfigPayload(key: string): Promise<JsonValue | undefined> {
    if (!this.config.secretKey) {
      const message = 'getRemoteConfigPayload needs the `secretKey` (or `personalApiKey`) option'
      this.config.report(new Error(message), 'warn')
      return undefined
    }
    const outcome = await fetchRemoteConfigPayload({
      host: this.config.host,
      projectToken: this.config.projectToken,
      secretKey: this.config.secretKey,
      key,
      fetch: this.config.fetch,
      userAgent: this.config.userAgent,
      timeoutMs: this.config.remoteConfigTimeoutMs,
    })
    if (outcome.ok) return outcome.payload
    this.reportRemoteError(outcome.error)
    return undefined
  }

  reloadFeatureFlags(): Promise<void> {
    if (!this.poller) {
      this.config.logger.warn('reloadFeatureFlags: local evaluation is off (no `secretKey`, or `enableLocalEvaluation: false`)')
      return Promise.resolve()
    }
    return this.poller.reload()
  }

  waitForLocalEvaluationReady(timeoutMs = 30_000): Promise<boolean> {
    return this.poller ? this.poller.waitForReady(timeoutMs) : Promise.resolve(false)
  }

  isLocalEvaluationReady(): boolean {
    return this.poller?.isReady() ?? false
  }

  overrideFeatureFlags(overrides: FlagOverrides): void {
    this.overrides = normalizeOverrides(overrides)
  }

  /** Stop polling, shut the cache provider down, forget exposures. Idempotent. */
  async shutdown(): Promise<void> {
    this.exposures.deduper.clear()
    await this.poller?.stop()
  }

  // ---- helpers -----------------------------------------------------------------------

  /** Overrides replace evaluation entirely for the keys they name (no exposure events). */
  private overrideResult(key: string, value: FlagValue): FeatureFlagResult {
    return {
      key,
      enabled: value !== false,
      variant: typeof value === 'string' ? value : undefined,
      payload: this.overrides.payloads?.get(key),
      reason: { code: 'override', conditionIndex: null, description: 'Overridden locally' },
    }
  }

  private applyOverrides(records: Map<string, FlagRecord>, wanted: string[] | undefined): void {
    if (!this.overrides.flags) return
    for (const [key, value] of this.overrides.flags) {
      if (wanted && !wanted.includes(key)) continue
      const r = this.overrideResult(key, value)
      records.set(key, { key, enabled: r.enabled, variant: r.variant, payload: r.payload, locallyEvaluated: true, id: undefined, version: undefined, reason: r.reason, hasExperiment: undefined })
    }
  }

  private compile(data: FlagDefinitionCacheData): Compiled {
    const response: FlagDefinitionsResponse = {
      flags: data.flags,
      group_type_mapping: data.groupTypeMapping,
      cohorts: data.cohorts,
    }
    const payloads = new Map<string, Record<string, unknown>>()
    const hasExperiment = new Map<string, boolean>()
    for (const flag of data.flags) {
      const table = (flag.filters as { payloads?: unknown } | undefined)?.payloads
      if (table && typeof table === 'object') payloads.set(flag.key, table as Record<string, unknown>)
      if (typeof flag.has_experiment === 'boolean') hasExperiment.set(flag.key, flag.has_experiment)
    }
    return { engine: compileFlags(response, { sha1Hex: this.config.sha1Hex, mode: 'local' }), payloads, hasExperiment }
  }

  /** Before the first definitions load settles, wait for it (bounded by the request timeout). */
  private async awaitFirstLoad(): Promise<void> {
    const poller = this.poller
    if (!poller || poller.isReady()) return
    let timer: ReturnType<typeof setTimeout> | undefined
    await Promise.race([poller.settledFirstLoad(), new Promise<void>((resolve) => (timer = setTimeout(resolve, this.config.requestTimeoutMs)))])
    clearTimeout(timer)
  }

  /**
   * Bad per-call input is refused (reported, answered with undefined), never thrown.
   * Returns the distinct id as a string, or undefined when the call cannot proceed.
   */
  private checkInput(method: string, distinctId: unknown, hasKey: boolean, key?: unknown): string | undefined {
    let problem: string | undefined
    if (hasKey && (typeof key !== 'string' || key === '')) problem = '`key` must be a non-empty string'
    else if (typeof distinctId === 'number' && Number.isFinite(distinctId)) return String(distinctId)
    else if (typeof distinctId !== 'string' || distinctId === '') problem = '`distinctId` must be a non-empty string or a number'
    else return distinctId
    this.config.report(new TypeError(`${method}: ${problem}; answering undefined`), 'warn')
    return undefined
  }

  private onlyLocal(options: FlagCallOptions): boolean {
    return options.onlyEvaluateLocally ?? this.config.strictLocalEvaluation
  }

  /**
   * The engine reads the caller's maps as they are (no copies on the hot path): it already
   * defaults `distinct_id` and `$group_key`, and ignores properties of groups not in `groups`.
   */
  private subject(distinctId: string, options: FlagCallOptions): EvaluationSubject {
    return {
      distinctId,
      deviceId: options.deviceId ?? this.config.contextDeviceId?.(),
      groups: options.groups,
      personProperties: options.personProperties,
      groupProperties: options.groupProperties,
    }
  }

  private remoteRequest(distinctId: string, options: FlagCallOptions, flagKeys: string[] | undefined) {
    return {
      distinctId,
      groups: options.groups,
      personProperties: options.personProperties,
      groupProperties: groupPropertiesFor(options.groups, options.groupProperties),
      disableGeoip: options.disableGeoip ?? this.config.disableGeoip,
      flagKeys,
      deviceId: options.deviceId ?? this.config.contextDeviceId?.(),
    }
  }

  private expose(e: Exposure): void {
    this.exposures.report(e)
  }

  private reportRemoteError(error: RemoteFlagsError): void {
    const err = new Error(`feature flags: ${error.message}`, { cause: error.cause })
    err.name = 'FeatureFlagsRequestError'
    try {
      this.config.report(err, 'warn')
    } catch {
      // A throwing reporter must not reach the caller's request path.
    }
  }
}

function remoteRecord(rec: RemoteFlagRecord): FlagRecord {
  return { key: rec.key, enabled: rec.enabled, variant: rec.variant, payload: rec.payload, locallyEvaluated: false, id: rec.id, version: rec.version, reason: rec.reason, hasExperiment: rec.hasExperiment }
}

function localRecord(r: LocalFlagResult, hasExperiment: boolean | undefined): FlagRecord {
  const reason: FlagReason = r.reason
  return { key: r.key, enabled: r.enabled, variant: r.variant ?? undefined, payload: r.payload as JsonValue | undefined, locallyEvaluated: true, id: r.id, version: r.version, reason, hasExperiment }
}
