/**
 * Capture v1 (`POST /i/v1/analytics/events`), the opt-in successor of `/batch/`: Bearer auth,
 * `PostHog-*` headers, and a result per event. Only the events the server answers `retry`
 * for are sent again (same uuids, same request id, `PostHog-Attempt` counting up); `drop`
 * results are counted as `rejected`; `ok`, `warning`, unknown or absent results are delivered.
 * Batch-level failures follow the same rules as `/batch/` (backoff with Retry-After as a
 * floor, 413 halves the batch), plus 404, which v1 retries while the endpoint rolls out.
 */
import { Deadline } from '../deadline.js'
import { HttpError } from '../errors/http-error.js'
import { NetworkError } from '../errors/network-error.js'
import { RequestTimeoutError } from '../errors/request-timeout-error.js'
import type { ResolvedOptions } from '../options.js'
import type { FetchLike } from '../fetch-types.js'
import type { Runtime } from '../runtime/types.js'
import { uuidv7 } from '../uuid.js'
import { VERSION } from '../version.js'
import { isRetryableStatus, parseRetryAfter, retryDelayMs } from './backoff.js'
import type { SendReport, SendResult } from './send-report.js'
import type { Counters } from './stats.js'

export { CAPTURE_V1_PATH } from './capture-v1-path.js'

/** Properties that become typed v1 `options`, and how their values are read. */
const OPTION_PROPERTIES: ReadonlyArray<[property: string, option: string, read: (v: unknown) => unknown]> = [
  ['$cookieless_mode', 'cookieless_mode', toBool],
  ['$ignore_sent_at', 'disable_skew_correction', toBool],
  ['$process_person_profile', 'process_person_profile', toBool],
  ['$product_tour_id', 'product_tour_id', (v) => (typeof v === 'string' ? v : undefined)],
]

const TOP_LEVEL_PROPERTIES = [
  ['$session_id', 'session_id'],
  ['$window_id', 'window_id'],
] as const

/** One event in v1 form: its uuid, its JSON text, and the stored text it came from. */
export interface V1Event {
  uuid: string
  json: string
  source: string
}

/**
 * A stored `/batch/` event text in v1 form: `$session_id`/`$window_id` move to the top level,
 * option properties to `options`, `$lib`/`$lib_version` go (the server takes them from
 * `PostHog-Sdk-Info`), a top-level `$set`/`$set_once` moves into the properties.
 */
export function toV1Event(json: string): V1Event {
  const source = JSON.parse(json) as Record<string, unknown>
  // A fresh parse: its properties object can be changed in place.
  const properties: Record<string, unknown> = isRecord(source.properties) ? source.properties : {}
  const options: Record<string, unknown> = {}
  for (const [property, option, read] of OPTION_PROPERTIES) {
    if (properties[property] === undefined) continue
    const value = read(properties[property])
    if (value !== undefined) options[option] = value
    delete properties[property]
  }
  const event: Record<string, unknown> = {
    event: String(source.event ?? ''),
    uuid: typeof source.uuid === 'string' && source.uuid ? source.uuid : uuidv7(),
    distinct_id: String(source.distinct_id ?? ''),
    timestamp: typeof source.timestamp === 'string' ? source.timestamp : new Date().toISOString(),
  }
  for (const [property, field] of TOP_LEVEL_PROPERTIES) {
    if (properties[property] === undefined) continue
    if (typeof properties[property] === 'string') event[field] = properties[property]
    delete properties[property]
  }
  delete properties.$lib
  delete properties.$lib_version
  for (const key of ['$set', '$set_once'] as const) if (source[key] !== undefined && !(key in properties)) properties[key] = source[key]
  event.options = options
  event.properties = properties
  return { uuid: event.uuid as string, json: JSON.stringify(event), source: json }
}

type AttemptResult =
  | { kind: 'answered'; results: Record<string, { result?: unknown; details?: unknown }>; retryAfterMs: number | undefined }
  | { kind: 'retry'; error: Error; retryAfterMs: number | undefined }
  | { kind: 'fatal'; error: HttpError }
  | { kind: 'aborted' }

const encoder = new TextEncoder()
const DELIVERED: SendResult = Object.freeze({ delivered: true, held: undefined }) as SendResult
const NOT_DELIVERED: SendResult = Object.freeze({ delivered: false, held: undefined }) as SendResult

export class CaptureV1Sender {
  readonly #options: ResolvedOptions
  readonly #runtime: Runtime
  /** The caller's `fetch`, or the runtime's transport for batches when none was given. */
  readonly #post: FetchLike
  readonly #counters: Counters
  readonly #report: SendReport
  readonly #sleep: (ms: number, closing: AbortSignal) => Promise<boolean>
  readonly #gzip: boolean

  constructor(options: ResolvedOptions, runtime: Runtime, counters: Counters, report: SendReport, sleep: (ms: number, closing: AbortSignal) => Promise<boolean>) {
    this.#options = options
    this.#runtime = runtime
    this.#post = !options.fetchGiven && runtime.post !== undefined ? runtime.post : options.fetch
    this.#counters = counters
    this.#report = report
    this.#sleep = sleep
    this.#gzip = !options.disableCompression && runtime.gzip !== undefined
  }

  /**
   * Delivers the events (stored `/batch/` texts) or reports each one dropped, or (a network
   * error or timeout on the last attempt, like `/batch/`) hands the undelivered ones back as
   * `held`. Never rejects.
   */
  async send(path: string, texts: string[], closing: AbortSignal): Promise<SendResult> {
    const events: V1Event[] = []
    for (const text of texts) {
      try {
        events.push(toV1Event(text))
      } catch (error) {
        this.#report.dropped('invalid', 1, `the event cannot be sent to Capture v1: ${(error as Error)?.message ?? error}`, error)
      }
    }
    const result = await this.#sendEvents(path, events, closing)
    return events.length === texts.length || !result.delivered ? result : NOT_DELIVERED
  }

  async #sendEvents(path: string, events: V1Event[], closing: AbortSignal): Promise<SendResult> {
    if (events.length === 0) return DELIVERED
    const url = this.#options.host + path
    const requestId = uuidv7()
    const createdAt = new Date().toISOString()
    const maxRetries = this.#options.fetchRetryCount
    let pending = events
    let allDelivered = true
    for (let attempt = 0; ; attempt++) {
      if (closing.aborted) return this.#dropped('shutdown', pending.length, `shutdown ran out of time before ${url} answered`)
      const result = await this.#attempt(url, pending, createdAt, requestId, attempt + 1, closing)
      let error: Error
      let retryAfterMs: number | undefined
      if (result.kind === 'aborted') return this.#dropped('shutdown', pending.length, `shutdown ran out of time before ${url} answered`)
      if (result.kind === 'fatal') {
        if (result.error.status === 413) {
          const split = await this.#split(path, pending, closing, result.error)
          return allDelivered || split.held ? split : NOT_DELIVERED
        }
        return this.#dropped('http_4xx', pending.length, result.error.message, result.error)
      }
      if (result.kind === 'answered') {
        const retry: V1Event[] = []
        const delivered: string[] = []
        const refused: string[] = []
        for (const event of pending) {
          const outcome = result.results[event.uuid]?.result
          if (outcome === 'retry') retry.push(event)
          else if (outcome === 'drop') {
            const details = result.results[event.uuid]?.details
            refused.push(typeof details === 'string' && details ? `${event.uuid} (${details})` : event.uuid)
          } else delivered.push(event.source)
        }
        if (delivered.length > 0) this.#report.delivered(path, delivered.length, delivered)
        if (refused.length > 0) {
          allDelivered = false
          this.#report.dropped('rejected', refused.length, `Capture v1 refused ${refused.slice(0, 5).join(', ')}${refused.length > 5 ? ', …' : ''}`)
        }
        if (retry.length === 0) return allDelivered ? DELIVERED : NOT_DELIVERED
        pending = retry
        error = new Error(`Capture v1 asked to retry ${retry.length} of the batch's events`)
        retryAfterMs = result.retryAfterMs
      } else {
        error = result.error
        retryAfterMs = result.retryAfterMs
      }
      if (attempt >= maxRetries) {
        if (error instanceof NetworkError || error instanceof RequestTimeoutError) {
          this.#report.held(path, pending.length, error)
          return { delivered: false, held: pending.map((e) => e.source) }
        }
        return this.#dropped('retries_exhausted', pending.length, `gave up after ${attempt + 1} attempts: ${error.message}`, error)
      }
      const delay = retryDelayMs(attempt, this.#options.fetchRetryDelay, this.#options.fetchRetryMaxDelay, retryAfterMs)
      this.#counters.retried++
      this.#report.retrying(path, attempt + 1, delay, error)
      if (!(await this.#sleep(delay, closing))) return this.#dropped('shutdown', pending.length, `shutdown ran out of time while retrying ${url}`, error)
    }
  }

  async #split(path: string, events: V1Event[], closing: AbortSignal, error: HttpError): Promise<SendResult> {
    if (events.length === 1) return this.#dropped('too_large', 1, error.message, error)
    const middle = Math.ceil(events.length / 2)
    const first = await this.#sendEvents(path, events.slice(0, middle), closing)
    const second = await this.#sendEvents(path, events.slice(middle), closing)
    if (first.held === undefined && second.held === undefined) return first.delivered && second.delivered ? DELIVERED : NOT_DELIVERED
    return { delivered: false, held: [...(first.held ?? []), ...(second.held ?? [])] }
  }

  #dropped(reason: Parameters<SendReport['dropped']>[0], count: number, message: string, cause?: unknown): SendResult {
    this.#report.dropped(reason, count, message, cause)
    return NOT_DELIVERED
  }

  async #attempt(url: string, events: V1Event[], createdAt: string, requestId: string, attempt: number, closing: AbortSignal): Promise<AttemptResult> {
    const migration = this.#options.historicalMigration ? ',"historical_migration":true' : ''
    let text = `{"created_at":"${createdAt}"${migration},"batch":[`
    for (let i = 0; i < events.length; i++) text += (i === 0 ? '' : ',') + events[i]!.json
    text += ']}'
    // The fetch contract: a string body when uncompressed, bytes when gzipped.
    let body: string | Uint8Array<ArrayBuffer> = text
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      Authorization: `Bearer ${this.#options.apiKey}`,
      'User-Agent': `hoglet/${VERSION}`,
      'PostHog-Sdk-Info': `hoglet/${VERSION}`,
      'PostHog-Attempt': String(attempt),
      'PostHog-Request-Id': requestId,
      'PostHog-Request-Timestamp': new Date().toISOString(),
    }
    if (this.#gzip) {
      try {
        body = (await this.#runtime.gzip!(encoder.encode(text))) as Uint8Array<ArrayBuffer>
        headers['Content-Encoding'] = 'gzip'
      } catch {
        // A failing compressor must not lose the batch: send it uncompressed instead.
      }
    }
    const deadline = new Deadline(this.#options.requestTimeout)
    const onClose = (): void => deadline.abort()
    closing.addEventListener('abort', onClose)
    this.#counters.requests++
    try {
      const response = await this.#post(url, { method: 'POST', headers, body, signal: deadline.signal })
      const status = response.status
      const retryAfterMs = parseRetryAfter(response.headers?.get?.('Retry-After') ?? null)
      // Read inside the try: a connection cut mid-body is a network error like any other.
      const detail = typeof response.text === 'function' ? await response.text() : ''
      if (status >= 200 && status < 300) {
        const results = parseResults(detail)
        // An unreadable 2xx tells nothing about the events: send them again (same uuids).
        if (results === undefined) return { kind: 'retry', error: new Error(`Capture v1 answered ${status} with an unreadable body`), retryAfterMs }
        return { kind: 'answered', results, retryAfterMs }
      }
      const error = new HttpError(url, status, detail.slice(0, 512))
      if (status === 404 || isRetryableStatus(status)) return { kind: 'retry', error, retryAfterMs }
      return { kind: 'fatal', error }
    } catch (cause) {
      if (deadline.expired) return { kind: 'retry', error: new RequestTimeoutError(url, this.#options.requestTimeout), retryAfterMs: undefined }
      if (closing.aborted) return { kind: 'aborted' }
      return { kind: 'retry', error: new NetworkError(url, cause), retryAfterMs: undefined }
    } finally {
      deadline.clear()
      closing.removeEventListener('abort', onClose)
    }
  }
}

function parseResults(text: string): Record<string, { result?: unknown; details?: unknown }> | undefined {
  try {
    const body = JSON.parse(text) as unknown
    if (!isRecord(body)) return undefined
    if (body.results === undefined) return {}
    return isRecord(body.results) ? (body.results as Record<string, { result?: unknown; details?: unknown }>) : undefined
  } catch {
    return undefined
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** The capture server's reading of a boolean option; undefined leaves the option out. */
function toBool(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value
  if (typeof value === 'number') return value !== 0
  if (typeof value === 'string') {
    const v = value.trim().toLowerCase()
    if (v === 'true' || v === '1') return true
    if (v === 'false' || v === '0') return false
  }
  return undefined
}
