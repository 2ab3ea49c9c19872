import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { HttpError } from './errors.js'

/**
 * Who may read and change hoglet-server's own state (the control API and the page).
 *
 * Other web pages open in the developer's browser must not: a request passes only when its
 * `Host` names this machine (a DNS-rebinding page arrives with its own name), it is not a
 * cross-origin browser request (`Origin` / `Sec-Fetch-Site`), and it either carries the
 * per-run control token (or the configured personal API key) or comes from the server's own
 * origin. Capture and `/flags` are not guarded here: PostHog serves them to any origin.
 */
export interface AccessPolicy {
  /** The per-run secret: generated at start unless the caller chose one. */
  readonly controlToken: string
  /** When set, `Authorization: Bearer <personal API key>` opens the control API too. */
  readonly personalApiKey: string | undefined
  /** Lower-cased host names (no port) the control API and the page answer to. */
  readonly allowedHosts: ReadonlySet<string>
}

/** Host names that always mean this machine. */
export const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '::1'] as const

/** A fresh control token: 24 random bytes, URL-safe. */
export function newControlToken(): string {
  return randomBytes(24).toString('base64url')
}

export function createAccessPolicy(options: {
  controlToken: string | undefined
  personalApiKey: string | undefined
  host: string
  allowedHosts: readonly string[]
}): AccessPolicy {
  const hosts = new Set<string>(LOOPBACK_HOSTS)
  const bound = bareHost(options.host)
  // A wildcard bind address is not a name anyone reaches the server by.
  if (bound !== '0.0.0.0' && bound !== '::') hosts.add(bound)
  for (const h of options.allowedHosts) hosts.add(bareHost(h))
  return { controlToken: options.controlToken ?? newControlToken(), personalApiKey: options.personalApiKey, allowedHosts: hosts }
}

/** True when `host` is a loopback address or name (binding elsewhere deserves a warning). */
export function isLoopback(host: string): boolean {
  const h = bareHost(host)
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)
}

/**
 * Throws a 403 or 401 `HttpError` unless the request may use the control API or the page.
 * `port` is the port the server listens on (an `Origin` must match it exactly).
 */
export function checkControlAccess(req: IncomingMessage, query: URLSearchParams, policy: AccessPolicy, port: number): void {
  const host = hostOf(req.headers.host)
  if (host === undefined || !policy.allowedHosts.has(host)) {
    throw new HttpError(403, 'host_not_allowed', `the Host \`${String(req.headers.host ?? '')}\` is not one this server answers to on its control API (allowed: ${[...policy.allowedHosts].join(', ')}; add one with --allow-host)`)
  }
  const origin = req.headers.origin
  const sameOriginHeader = origin !== undefined && isOwnOrigin(origin, policy, port)
  if (origin !== undefined && !sameOriginHeader) throw new HttpError(403, 'cross_origin_refused', 'cross-origin requests cannot use the control API')
  // Chromium and Firefox say where a request comes from even when they send no Origin
  // (a `<script src>` or `<img>` from another port on the same machine is `same-site`).
  const site = req.headers['sec-fetch-site']
  if (site === 'cross-site' || site === 'same-site') throw new HttpError(403, 'cross_origin_refused', 'cross-origin requests cannot use the control API')
  if (presentsCredential(req, query, policy)) return
  if (sameOriginHeader || site === 'same-origin') return
  throw new HttpError(401, 'control_token_required', 'the control API needs the control token: `Authorization: Bearer <token>` (printed by hoglet-server at start, and in the web page address)')
}

function presentsCredential(req: IncomingMessage, query: URLSearchParams, policy: AccessPolicy): boolean {
  const auth = req.headers.authorization
  const bearer = auth !== undefined && /^bearer /i.test(auth) ? auth.slice(7).trim() : undefined
  const candidates = [bearer, headerValue(req.headers['x-hoglet-token']), query.get('token') ?? undefined]
  for (const c of candidates) {
    if (c === undefined || c === '') continue
    if (secretEquals(c, policy.controlToken)) return true
    if (policy.personalApiKey !== undefined && secretEquals(c, policy.personalApiKey)) return true
  }
  return false
}

function isOwnOrigin(origin: string, policy: AccessPolicy, port: number): boolean {
  let url: URL
  try {
    url = new URL(origin)
  } catch {
    return false // `null` (sandboxed frames, file: pages) and garbage
  }
  const originPort = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port)
  return url.protocol === 'http:' && originPort === port && policy.allowedHosts.has(bareHost(url.hostname))
}

/** The host name of a `Host` header, lower-cased, without port or IPv6 brackets. */
export function hostOf(header: string | undefined): string | undefined {
  if (header === undefined || header === '') return undefined
  const h = header.trim().toLowerCase()
  if (h.startsWith('[')) {
    const end = h.indexOf(']')
    return end < 0 ? undefined : h.slice(1, end)
  }
  const colon = h.indexOf(':')
  if (colon >= 0 && h.indexOf(':', colon + 1) >= 0) return h // a bare IPv6 address
  return colon >= 0 ? h.slice(0, colon) : h
}

function bareHost(host: string): string {
  const h = host.trim().toLowerCase()
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h
}

function secretEquals(given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

const headerValue = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v)
