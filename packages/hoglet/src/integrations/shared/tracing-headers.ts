import { consentCookieName, cookieStoreFromHeader, getPostHogCookieName } from '../../cookies.js'
import { sanitizeHeaderValue } from './request-context.js'

// How posthog-node's request integrations (Express setup helpers, NestJS, instrumentRequest)
// read a request: the same headers, cookie rules and property formats, so swapping the
// import keeps every event's person, session, `$current_url` and `$request_path`.

/** The client settings these integrations read (structural: `client.config` of hoglet's `PostHog`). */
export interface RequestReadingSettings {
  apiKey: string
  readPostHogCookie?: false | { sessionIdleTimeoutSeconds?: number; optOutCapturingByDefault?: boolean }
  disable_capture_url_hashes?: boolean
}

export type HeaderValue = string | string[] | undefined
export type HeaderGetter = (name: string) => HeaderValue

export interface TracingIds {
  sessionId?: string
  distinctId?: string
}

const SESSION_IDLE_MS = 30 * 60 * 1000
const SESSION_MAX_MS = 24 * 60 * 60 * 1000
const YES = new Set(['true', '1', 'yes'])
const NO = new Set(['false', '0', 'no'])

/** The first header value of Node's `IncomingHttpHeaders` shape. */
export function firstHeader(value: HeaderValue): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

/** A header's first usable value: control characters removed, trimmed, at most 1000 characters. */
function cleanHeader(value: HeaderValue): string | undefined {
  if (!Array.isArray(value)) return sanitizeHeaderValue(value)
  for (const item of value) {
    const cleaned = sanitizeHeaderValue(item)
    if (cleaned !== undefined) return cleaned
  }
  return undefined
}

/**
 * Person and session of a request: the `X-POSTHOG-SESSION-ID` / `X-POSTHOG-DISTINCT-ID`
 * headers, or, when neither is sent and `readPostHogCookie` is on, the posthog-js cookie.
 */
export function tracingIds(header: HeaderGetter, settings: RequestReadingSettings | undefined): TracingIds {
  const sessionId = cleanHeader(header('x-posthog-session-id'))
  const distinctId = cleanHeader(header('x-posthog-distinct-id'))
  if (sessionId === undefined && distinctId === undefined && settings?.readPostHogCookie) {
    return cookieIds(firstHeader(header('cookie')), settings.apiKey, settings.readPostHogCookie)
  }
  return withDefined({ sessionId, distinctId })
}

function cookieIds(cookieHeader: string | undefined, apiKey: string, options: { sessionIdleTimeoutSeconds?: number; optOutCapturingByDefault?: boolean }): TracingIds {
  if (typeof cookieHeader !== 'string') return {}
  // The first cookie of a name wins, as browsers send the most specific path first.
  const cookies = cookieStoreFromHeader(cookieHeader.split(';').reverse().join(';'))
  const raw = cookies.get(getPostHogCookieName(apiKey))?.value
  const consent = cookies.get(consentCookieName(apiKey))?.value ?? ''
  if (!raw || NO.has(consent) || (options.optOutCapturingByDefault === true && !YES.has(consent))) return {}
  let data: any
  try {
    data = JSON.parse(raw)
  } catch {
    return {}
  }
  if (!data || typeof data !== 'object') return {}
  // Only an identified visitor's id names a person; an anonymous one stays with the browser.
  const distinctId = data.$user_state === 'identified' ? cleanHeader(data.distinct_id) : undefined
  let sessionId: string | undefined
  const session = data.$sesid
  if (Array.isArray(session) && (session.length === 2 || session.length === 3)) {
    const [lastActivity, candidate, startedAt = lastActivity] = session
    const now = Date.now()
    if (isRecent(lastActivity, now, idleTimeoutMs(options.sessionIdleTimeoutSeconds)) && isRecent(startedAt, now, SESSION_MAX_MS)) {
      sessionId = cleanHeader(candidate)
    }
  }
  return withDefined({ sessionId, distinctId })
}

function idleTimeoutMs(seconds: number | undefined): number {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds === 0) return SESSION_IDLE_MS
  return Math.min(Math.max(seconds, 60), 36_000) * 1000
}

function isRecent(timestamp: unknown, now: number, maxAgeMs: number): boolean {
  return typeof timestamp === 'number' && Number.isFinite(timestamp) && Math.abs(now - timestamp) <= maxAgeMs
}

function withDefined(ids: TracingIds): TracingIds {
  const out: TracingIds = {}
  if (ids.sessionId !== undefined) out.sessionId = ids.sessionId
  if (ids.distinctId !== undefined) out.distinctId = ids.distinctId
  return out
}

/** Sets `key` unless the value is null, undefined or empty. */
export function addProperty(properties: Record<string, unknown>, key: string, value: unknown): void {
  if (value !== null && value !== undefined && value !== '') properties[key] = value
}

function stripHash(url: string): string {
  return url.split('#')[0]!
}

/** `$current_url` as posthog-node sends it: the request target as received (path and query). */
export function currentUrl(url: string | undefined, settings: RequestReadingSettings | undefined): string | undefined {
  if (!url) return url
  return settings?.disable_capture_url_hashes === true ? stripHash(url) : url
}

/** `$request_path`: the path without its query (and without the hash when hashes are off). */
export function requestPath(path: string | undefined, settings: RequestReadingSettings | undefined): string | undefined {
  if (!path) return path
  const search = path.indexOf('?')
  const hash = path.indexOf('#')
  const withoutSearch = search === -1 || (hash !== -1 && hash < search) ? path : path.slice(0, search) + (hash === -1 ? '' : path.slice(hash))
  return settings?.disable_capture_url_hashes === true ? stripHash(withoutSearch) : withoutSearch
}

/** The client address: the first `X-Forwarded-For` entry, else the socket peer. */
export function forwardedIp(header: HeaderGetter, remoteAddress: string | undefined): string | undefined {
  const forwarded = firstHeader(header('x-forwarded-for'))
  if (forwarded) {
    const first = forwarded.split(',')[0]!.trim()
    if (first) return first
  }
  return remoteAddress
}
