/**
 * What the request log must not keep: credentials. A kept secret shows its first four
 * characters (the key type, `phx_`, `phc_`) so a developer can still tell which kind was
 * sent, and never more.
 */

const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-hoglet-token', 'x-api-key'])
/** Header, query and JSON field names that carry a credential. */
const SECRET_NAME = /(?:^|[_$-])(?:token|api[_-]?key|key|secret|password|auth|authorization|session)$/i
/** PostHog key shapes, wherever they appear in a body (`phc_` project, `phx_` personal, `phs_` secure). */
const POSTHOG_KEY = /\b(ph[cxs]_)[A-Za-z0-9_-]{4,}/g
/** `"name": "value"` pairs whose name carries a credential (linear: no nested quantifier). */
const JSON_SECRET_FIELD = /("(?:api_key|token|\$token|personal_api_key|secret|password)"\s*:\s*")([^"\\]*(?:\\.[^"\\]*)*)"/g

export function redactSecret(value: string): string {
  return /^ph[a-z]_/.test(value) || value.length >= 16 ? `${value.slice(0, 4)}…[redacted]` : '[redacted]'
}

/** `Bearer phx_abc…` keeps its scheme: `Bearer phx_…[redacted]`. */
function redactCredentialHeader(value: string): string {
  const space = value.indexOf(' ')
  return space > 0 && space < 20 ? `${value.slice(0, space)} ${redactSecret(value.slice(space + 1).trim())}` : redactSecret(value)
}

export function redactHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string | string[] | undefined> {
  const out: Record<string, string | string[] | undefined> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue
    const secret = SECRET_HEADERS.has(name) || SECRET_NAME.test(name)
    if (!secret) out[name] = value
    else out[name] = Array.isArray(value) ? value.map(redactCredentialHeader) : redactCredentialHeader(value)
  }
  return out
}

export function redactQuery(query: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of query) out[name] = SECRET_NAME.test(name) ? redactSecret(value) : redactText(value)
  return out
}

/** A body (or any text): credential fields and PostHog key shapes are masked. */
export function redactText(text: string): string {
  return text
    .replace(JSON_SECRET_FIELD, (_m, head: string, value: string) => `${head}${redactSecret(value)}"`)
    .replace(POSTHOG_KEY, (_m, prefix: string) => `${prefix}…[redacted]`)
}
