/**
 * Remote flag evaluation: `POST {host}/flags/?v=2`.
 *
 * One request per call, its own timeout (AbortController), retries only where a second try
 * can help (network errors, 502, 504). Failures come back as a typed value, never thrown,
 * so callers on a request path can turn them into `undefined` plus a `$feature_flag_error`.
 */
import { Deadline } from '../deadline.js'
import { decodePayload } from '../engine/payload.js'
import type { FetchFn, FlagReason, JsonValue } from './flag-api.js'
import type { FetchResponse } from '../fetch-types.js'

/** One flag as `/flags` reported it, normalised from the v2 or the legacy shape. */
export interface RemoteFlagRecord {
  key: string
  enabled: boolean
  variant: string | undefined
  reason: FlagReason | undefined
  id: number | undefined
  version: number | undefined
  /** Payload as the server stored it (usually a JSON string). */
  rawPayload: unknown
  /** `rawPayload` JSON-decoded (raw string kept when it is not JSON). */
  payload: JsonValue | undefined
  hasExperiment: boolean | undefined
}

export interface RemoteFlagsResponse {
  flags: Map<string, RemoteFlagRecord>
  requestId: string | undefined
  evaluatedAt: number | undefined
  errorsWhileComputingFlags: boolean
  minimalFlagCalledEvents: boolean | undefined
}

/** Why a `/flags` call gave no answer. `code` is the `$feature_flag_error` value. */
export interface RemoteFlagsError {
  kind: 'timeout' | 'connection_error' | 'api_error' | 'quota_limited' | 'malformed'
  status: number | undefined
  code: string
  message: string
  cause?: unknown
}

export type RemoteFlagsOutcome = { ok: true; response: RemoteFlagsResponse; attempts: number } | { ok: false; error: RemoteFlagsError; attempts: number }

/** What a `/flags` request evaluates for. Property maps are sent exactly as given. */
export interface RemoteFlagsRequest {
  distinctId: string
  groups?: Record<string, string | number>
  personProperties?: Record<string, unknown>
  groupProperties?: Record<string, Record<string, unknown>>
  disableGeoip: boolean
  /** Sent as `flag_keys_to_evaluate` when non-empty. */
  flagKeys?: string[]
  deviceId?: string
}

export interface RemoteFlagsClientConfig {
  host: string
  projectToken: string
  fetch: FetchFn
  userAgent: string
  /** Per-attempt timeout. @default 3000 */
  timeoutMs: number
  /** Retries after the first attempt, for network errors, 502 and 504 only. @default 1 */
  maxRetries: number
  /** First retry delay, doubling after. @default 300 */
  retryDelayMs?: number
  evaluationContexts?: string[]
}

const RETRIABLE_STATUSES = new Set([502, 504])

export class RemoteFlagsClient {
  private readonly url: string
  private readonly retryDelayMs: number

  constructor(private readonly config: RemoteFlagsClientConfig) {
    this.url = `${config.host}/flags/?v=2`
    this.retryDelayMs = config.retryDelayMs ?? 300
  }

  /** The exact JSON body sent for `request` (exposed for tests and the local server). */
  buildBody(request: RemoteFlagsRequest): Record<string, unknown> {
    const body: Record<string, unknown> = {
      token: this.config.projectToken,
      distinct_id: request.distinctId,
      groups: request.groups ?? {},
      person_properties: request.personProperties ?? {},
      group_properties: request.groupProperties ?? {},
      geoip_disable: request.disableGeoip,
    }
    if (request.flagKeys && request.flagKeys.length > 0) body.flag_keys_to_evaluate = request.flagKeys
    if (request.deviceId !== undefined) body.$device_id = request.deviceId
    if (this.config.evaluationContexts && this.config.evaluationContexts.length > 0) {
      body.evaluation_contexts = this.config.evaluationContexts
    }
    // A server SDK: PostHog leaves out flags meant for client runtimes only.
    body.evaluation_runtime = 'server'
    return body
  }

  /** Evaluate remotely. Never throws. */
  async evaluate(request: RemoteFlagsRequest): Promise<RemoteFlagsOutcome> {
    let body: string
    try {
      body = JSON.stringify(this.buildBody(request))
    } catch (cause) {
      // BigInt or circular person/group properties: no request can be made; answered as an error, never thrown.
      return { ok: false, error: failure('malformed', undefined, `the /flags request cannot be serialised to JSON: ${describe(cause)}`, cause), attempts: 0 }
    }
    let attempt = 0
    for (;;) {
      const result = await this.attempt(body)
      attempt++
      const retriable =
        !result.ok && (result.error.kind === 'connection_error' || (result.error.kind === 'api_error' && RETRIABLE_STATUSES.has(result.error.status ?? 0)))
      if (!retriable || attempt > this.config.maxRetries) return { ...result, attempts: attempt }
      await retryPause(flagRetryDelayMs(attempt - 1, this.retryDelayMs))
    }
  }

  private async attempt(body: string): Promise<{ ok: true; response: RemoteFlagsResponse } | { ok: false; error: RemoteFlagsError }> {
    const deadline = new Deadline(this.config.timeoutMs)
    try {
      let res: FetchResponse
      try {
        res = await this.config.fetch(this.url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'User-Agent': this.config.userAgent },
          body,
          signal: deadline.signal,
        })
      } catch (cause) {
        return deadline.expired
          ? { ok: false, error: failure('timeout', undefined, `/flags timed out after ${this.config.timeoutMs} ms`, cause) }
          : { ok: false, error: failure('connection_error', undefined, `/flags request failed: ${describe(cause)}`, cause) }
      }
      let text: string
      try {
        text = await res.text()
      } catch (cause) {
        return deadline.expired
          ? { ok: false, error: failure('timeout', res.status, `/flags timed out after ${this.config.timeoutMs} ms`, cause) }
          : { ok: false, error: failure('connection_error', res.status, `/flags response interrupted: ${describe(cause)}`, cause) }
      }
      if (res.status < 200 || res.status >= 300) {
        return { ok: false, error: failure('api_error', res.status, `/flags answered ${res.status}: ${text.slice(0, 200)}`) }
      }
      return parseFlagsResponse(text)
    } finally {
      deadline.clear()
    }
  }
}

function failure(kind: RemoteFlagsError['kind'], status: number | undefined, message: string, cause?: unknown): RemoteFlagsError {
  const code = kind === 'api_error' ? `api_error_${status}` : kind === 'malformed' ? 'unknown_error' : kind
  return { kind, status, code, message, cause }
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause
    return cause instanceof Error ? `${err.message} (${cause.message})` : err.message
  }
  return String(err)
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Parse a `/flags` body in the v2 (`flags`) or legacy (`featureFlags`) shape. */
export function parseFlagsResponse(text: string): { ok: true; response: RemoteFlagsResponse } | { ok: false; error: RemoteFlagsError } {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (cause) {
    return { ok: false, error: failure('malformed', 200, `/flags answered a body that is not JSON: ${text.slice(0, 100)}`, cause) }
  }
  if (!isObject(json)) return { ok: false, error: failure('malformed', 200, '/flags answered a body that is not an object') }
  if (Array.isArray(json.quotaLimited) && json.quotaLimited.includes('feature_flags')) {
    return { ok: false, error: failure('quota_limited', 200, 'feature flags are quota limited for this project') }
  }
  const flags = new Map<string, RemoteFlagRecord>()
  if (isObject(json.flags)) {
    for (const [key, rec] of Object.entries(json.flags)) {
      if (!isObject(rec)) continue
      const meta = isObject(rec.metadata) ? rec.metadata : {}
      const reason = isObject(rec.reason)
        ? {
            code: String(rec.reason.code ?? ''),
            conditionIndex: typeof rec.reason.condition_index === 'number' ? rec.reason.condition_index : null,
            description: typeof rec.reason.description === 'string' ? rec.reason.description : undefined,
          }
        : undefined
      flags.set(key, {
        key,
        enabled: rec.enabled === true,
        variant: typeof rec.variant === 'string' ? rec.variant : undefined,
        reason,
        id: typeof meta.id === 'number' ? meta.id : undefined,
        version: typeof meta.version === 'number' ? meta.version : undefined,
        rawPayload: meta.payload ?? undefined,
        payload: decodePayload(meta.payload),
        hasExperiment: typeof meta.has_experiment === 'boolean' ? meta.has_experiment : undefined,
      })
    }
  } else if (isObject(json.featureFlags)) {
    const payloads = isObject(json.featureFlagPayloads) ? json.featureFlagPayloads : {}
    for (const [key, value] of Object.entries(json.featureFlags)) {
      if (typeof value !== 'boolean' && typeof value !== 'string') continue
      flags.set(key, {
        key,
        enabled: typeof value === 'string' ? true : value,
        variant: typeof value === 'string' ? value : undefined,
        reason: undefined,
        id: undefined,
        version: undefined,
        rawPayload: payloads[key] ?? undefined,
        payload: decodePayload(payloads[key]),
        hasExperiment: undefined,
      })
    }
  } else {
    return { ok: false, error: failure('malformed', 200, '/flags answered without `flags` or `featureFlags`') }
  }
  return {
    ok: true,
    response: {
      flags,
      requestId: typeof json.requestId === 'string' ? json.requestId : undefined,
      evaluatedAt: typeof json.evaluatedAt === 'number' ? json.evaluatedAt : undefined,
      errorsWhileComputingFlags: json.errorsWhileComputingFlags === true,
      minimalFlagCalledEvents: typeof json.minimalFlagCalledEvents === 'boolean' ? json.minimalFlagCalledEvents : undefined,
    },
  }
}

export type RemoteConfigOutcome = { ok: true; payload: JsonValue | undefined } | { ok: false; error: RemoteFlagsError }

/**
 * `GET {host}/api/projects/@current/feature_flags/<key>/remote_config?token=…` with Bearer auth:
 * the flag's (decrypted) payload. The body is usually a JSON string holding JSON, so a string
 * result is decoded once more. No retries; never throws.
 */
export async function fetchRemoteConfigPayload(req: {
  host: string
  projectToken: string
  secretKey: string
  key: string
  fetch: FetchFn
  userAgent: string
  timeoutMs: number
}): Promise<RemoteConfigOutcome> {
  const url = `${req.host}/api/projects/@current/feature_flags/${encodeURIComponent(req.key)}/remote_config?token=${encodeURIComponent(req.projectToken)}`
  const deadline = new Deadline(req.timeoutMs)
  try {
    const res = await req.fetch(url, {
      method: 'GET',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${req.secretKey}`, 'User-Agent': req.userAgent },
      signal: deadline.signal,
    })
    const text = await res.text()
    if (res.status !== 200) return { ok: false, error: failure('api_error', res.status, `remote config for ${req.key} answered ${res.status}: ${text.slice(0, 200)}`) }
    let body: unknown
    try {
      body = text === '' ? null : JSON.parse(text)
    } catch (cause) {
      return { ok: false, error: failure('malformed', 200, `remote config for ${req.key} is not JSON`, cause) }
    }
    return { ok: true, payload: typeof body === 'string' ? decodePayload(body) : ((body ?? undefined) as JsonValue | undefined) }
  } catch (cause) {
    return deadline.expired
      ? { ok: false, error: failure('timeout', undefined, `remote config for ${req.key} timed out after ${req.timeoutMs} ms`, cause) }
      : { ok: false, error: failure('connection_error', undefined, `remote config for ${req.key} failed: ${describe(cause)}`, cause) }
  } finally {
    deadline.clear()
  }
}

/** Milliseconds to wait before retry `attempt` (0-based): 300 ms doubling, like the reference SDKs. */
function flagRetryDelayMs(attempt: number, baseMs: number): number {
  return baseMs * 2 ** attempt
}

/**
 * A short pause between retries of a call the user is awaiting. Deliberately NOT unref'd:
 * a script doing `await getFeatureFlag()` at top level would otherwise exit mid-retry.
 */
function retryPause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
