/** One request as the control API reports it. */
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
      query: Object.fromEntries(query),
      headers,
      receivedAt: Date.now(),
    }
    this.entries.push(entry)
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity)
    return entry
  }

  finish(entry: RecordedRequest, status: number, body: string | undefined): void {
    entry.status = status
    entry.durationMs = Date.now() - entry.receivedAt
    if (body !== undefined) entry.body = body.length > MAX_BODY ? body.slice(0, MAX_BODY) : body
  }

  list(pathPrefix?: string, limit = 100): RecordedRequest[] {
    const out = pathPrefix ? this.entries.filter((e) => e.path.startsWith(pathPrefix)) : this.entries
    return out.slice(-limit)
  }

  clear(): void {
    this.entries.length = 0
  }
}
