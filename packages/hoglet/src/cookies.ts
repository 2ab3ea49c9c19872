import { uuidv7 } from './uuid.js'

// posthog-js keeps its state in a cookie: these read and write it on the server, with the
// names and results posthog-node exports (a server can then continue a visitor's person and
// session, or hand a new visitor an anonymous id the browser SDK will adopt).

/** Anything that answers cookies by name: Next.js `cookies()`, `request.cookies`, or `cookieStoreFromHeader`. */
export interface CookieStore {
  get(name: string): { value: string } | undefined
}

/** What the posthog-js cookie says about a visitor. */
export interface PostHogCookieState {
  distinctId: string
  /** True once posthog-js has `identify()`-ed the visitor (`$user_state: 'identified'`). */
  isIdentified: boolean
  sessionId?: string
  /** When the session last had activity (`$sesid[0]`), in epoch milliseconds. */
  sessionLastActivityTimestamp?: number
  /** When the session started (`$sesid[2]`), in epoch milliseconds. */
  sessionStartTimestamp?: number
  deviceId?: string
}

/** A `CookieStore` over a raw `Cookie` header; values are URI-decoded where they can be. */
export function cookieStoreFromHeader(cookieHeader: string): CookieStore {
  const cookies = new Map<string, string>()
  if (cookieHeader) {
    for (const pair of cookieHeader.split(';')) {
      const at = pair.indexOf('=')
      const name = (at === -1 ? pair : pair.slice(0, at)).trim()
      if (!name) continue
      const raw = at === -1 ? '' : pair.slice(at + 1).trim()
      let value = raw
      try {
        value = decodeURIComponent(raw)
      } catch {
        // Not URI-encoded: keep it as sent.
      }
      cookies.set(name, value)
    }
  }
  return { get: (name) => (cookies.has(name) ? { value: cookies.get(name)! } : undefined) }
}

/** `ph_<token>_posthog`, with `+`, `/` and `=` of the token spelled `PL`, `SL`, `EQ` as posthog-js does. */
export function getPostHogCookieName(apiKey: string): string {
  return `ph_${apiKey.replace(/\+/g, 'PL').replace(/\//g, 'SL').replace(/=/g, 'EQ')}_posthog`
}

/** The cookie value posthog-js reads as an anonymous visitor with this id and a new session. */
export function serializePostHogCookie(anonymousId: string): string {
  const now = Date.now()
  return JSON.stringify({ distinct_id: anonymousId, $device_id: anonymousId, $user_state: 'anonymous', $sesid: [now, uuidv7(), now] })
}

/** Reads the project's posthog-js cookie from a cookie store; `null` when it is absent or unreadable. */
export function readPostHogCookie(cookies: CookieStore, apiKey: string): PostHogCookieState | null {
  const cookie = cookies.get(getPostHogCookieName(apiKey))
  return cookie ? parsePostHogCookie(cookie.value) : null
}

/** `$session_id` / `$device_id` event properties from a cookie state, or undefined when it has neither. */
export function cookieStateToProperties(state: PostHogCookieState | null): Record<string, string> | undefined {
  if (!state) return undefined
  const properties: Record<string, string> = {}
  if (state.sessionId) properties.$session_id = state.sessionId
  if (state.deviceId) properties.$device_id = state.deviceId
  return Object.keys(properties).length > 0 ? properties : undefined
}

/** Parses a posthog-js cookie value (JSON with `distinct_id`, `$user_state`, `$sesid`, `$device_id`); `null` when invalid. */
export function parsePostHogCookie(cookieValue: string): PostHogCookieState | null {
  if (!cookieValue) return null
  let parsed: unknown
  try {
    parsed = JSON.parse(cookieValue)
  } catch {
    return null
  }
  if (!parsed || typeof parsed !== 'object') return null
  const data = parsed as Record<string, unknown>
  if (!data.distinct_id) return null
  const session = Array.isArray(data.$sesid) ? data.$sesid : []
  return {
    distinctId: String(data.distinct_id),
    isIdentified: data.$user_state === 'identified',
    sessionId: typeof session[1] === 'string' ? session[1] : undefined,
    sessionLastActivityTimestamp: finiteNumber(session[0]),
    sessionStartTimestamp: finiteNumber(session[2]),
    deviceId: typeof data.$device_id === 'string' ? data.$device_id : undefined,
  }
}

function finiteNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined
}

/** Name of posthog-js's opt-in/out consent cookie for a project. */
export function consentCookieName(apiKey: string): string {
  return `__ph_opt_in_out_${apiKey}`
}
