/**
 * One fetch of the local-evaluation flag definitions:
 * `GET {host}/flags/definitions?token=…&send_cohorts` with `Authorization: Bearer <key>` and
 * `If-None-Match`. The legacy `/api/feature_flag/local_evaluation` path is the fallback for
 * servers that answer 404. Scheduling, backoff and state live in `poller.ts`.
 */
import { Deadline } from '../deadline.js'
import type { FetchFn } from './flag-api.js'
import type { FlagDefinitionCacheData } from './cache-provider.js'

export const DEFINITIONS_PATH = '/flags/definitions'
export const LEGACY_DEFINITIONS_PATH = '/api/feature_flag/local_evaluation'

export type DefinitionsFetchOutcome =
  | { kind: 'loaded'; data: FlagDefinitionCacheData; etag: string | undefined }
  | { kind: 'not_modified'; etag: string | undefined }
  | { kind: 'http_error'; status: number; message: string }
  | { kind: 'network_error' | 'timeout' | 'malformed'; message: string; cause?: unknown }

export interface DefinitionsFetchRequest {
  host: string
  path: string
  projectToken: string
  secretKey: string
  etag: string | undefined
  fetch: FetchFn
  userAgent: string
  timeoutMs: number
}

export function definitionsUrl(host: string, path: string, projectToken: string): string {
  return `${host}${path}?token=${encodeURIComponent(projectToken)}&send_cohorts`
}

/** Fetch the definitions once. Never throws. */
export async function fetchFlagDefinitions(req: DefinitionsFetchRequest): Promise<DefinitionsFetchOutcome> {
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    Authorization: `Bearer ${req.secretKey}`,
    'User-Agent': req.userAgent,
  }
  if (req.etag) headers['If-None-Match'] = req.etag
  const deadline = new Deadline(req.timeoutMs)
  try {
    const res = await req.fetch(definitionsUrl(req.host, req.path, req.projectToken), { method: 'GET', headers, signal: deadline.signal })
    const etag = res.headers?.get?.('etag') ?? undefined
    if (res.status === 304) {
      await res.body?.cancel().catch(() => undefined)
      // A 304 without an ETag header keeps the one we sent.
      return { kind: 'not_modified', etag: etag ?? req.etag }
    }
    const text = await res.text()
    if (res.status !== 200) return { kind: 'http_error', status: res.status, message: text.slice(0, 200) }
    const data = parseDefinitions(text)
    if (typeof data === 'string') return { kind: 'malformed', message: data }
    return { kind: 'loaded', data, etag }
  } catch (cause) {
    if (deadline.expired) return { kind: 'timeout', message: `flag definitions request timed out after ${req.timeoutMs} ms`, cause }
    return { kind: 'network_error', message: cause instanceof Error ? cause.message : String(cause), cause }
  } finally {
    deadline.clear()
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Parse a definitions body; returns a message string when it is unusable. */
export function parseDefinitions(text: string): FlagDefinitionCacheData | string {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return 'flag definitions response is not JSON'
  }
  if (!isObject(json) || !Array.isArray(json.flags)) return 'flag definitions response has no `flags` list'
  const data: FlagDefinitionCacheData = {
    flags: json.flags.filter((f): f is FlagDefinitionCacheData['flags'][number] => isObject(f) && typeof f.key === 'string'),
    groupTypeMapping: isObject(json.group_type_mapping) ? (json.group_type_mapping as Record<string, string>) : {},
    cohorts: isObject(json.cohorts) ? (json.cohorts as FlagDefinitionCacheData['cohorts']) : {},
  }
  if (typeof json.minimal_flag_called_events === 'boolean') data.minimalFlagCalledEvents = json.minimal_flag_called_events
  return data
}
