import { redactHeaders, redactQuery, redactText } from './redact.js'

/** One request as the control API reports it (credentials masked, see `redact.ts`). */
export interface RecordedRequest {
  id: number
  method: string
  path: string
  query: Record<string, string>
  headers: Record<string, string | string[] | undefined>
  /** Decoded body text (cut at 64 KiB), when the handler read one. */
  body?: string
  status?: number
  /** The fault that answered, if any. */
  fault?: string
  receivedAt: number
  durationMs?: number
}

const MAX_BODY = 64 * 1024
/** Header values and query parameters longer than this are cut, like bodies. */
const MAX_VALUE = 4 * 1024

/** The last `capacity` requests to PostHog API paths, in memory (newest last). */
export class RequestLog {
  private readonly entries: RecordedRequest[] = []
  private nextId = 1

  constructor(private readonly capacity = 1000) {}

  start(method: string, path: string, query: URLSearchParams, headers: RecordedRequest['headers']): RecordedRequest {
    const entry: RecordedRequest = {
      id: this.nextId++,
      method,
      path,
      query: boundedValues(redactQuery(query)),
      headers: boundedValues(redactHeaders(headers)),
      receivedAt: Date.now(),
    }
    this.entries.push(entry)
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity)
    return entry
  }

  finish(entry: RecordedRequest, status: number, body: string | undefined): void {
    entry.status = status
    entry.durationMs = Date.now() - entry.receivedAt
    if (body !== undefined) entry.body = redactText(ownCopy(body, MAX_BODY))
  }

  list(pathPrefix?: string, limit = 100): RecordedRequest[] {
    const out = pathPrefix ? this.entries.filter((e) => e.path.startsWith(pathPrefix)) : this.entries
    return out.slice(-limit)
  }

  clear(): void {
    this.entries.length = 0
  }
}

/**
 * The first `max` characters as a string of their own. A plain `slice` of a large string is
 * a view that keeps the whole original alive (a 19 MiB body per log entry); a round trip
 * through a Buffer copies just the kept part.
 */
function ownCopy(text: string, max: number): string {
  if (text.length <= max) return text.length <= 1024 ? text : Buffer.from(text, 'utf8').toString('utf8')
  return Buffer.from(text.slice(0, max), 'utf8').toString('utf8')
}

function boundedValues<T extends Record<string, string | string[] | undefined>>(values: T): T {
  const out: Record<string, string | string[] | undefined> = {}
  for (const [k, v] of Object.entries(values)) {
    out[k] = Array.isArray(v) ? v.map((x) => ownCopy(x, MAX_VALUE)) : v === undefined ? v : ownCopy(v, MAX_VALUE)
  }
  return out as T
}
