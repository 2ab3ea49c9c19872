import { unrefTimer } from '../timers.js'
import { Deadline } from '../deadline.js'
import { HttpError } from '../errors/http-error.js'
import { NetworkError } from '../errors/network-error.js'
import { RequestTimeoutError } from '../errors/request-timeout-error.js'
import type { DropReason } from '../errors/events-dropped-error.js'
import type { ResolvedOptions } from '../options.js'
import type { FetchLike } from '../fetch-types.js'
import type { Runtime } from '../runtime/types.js'
import { VERSION } from '../version.js'
import { isRetryableStatus, parseRetryAfter, retryDelayMs } from './backoff.js'
import type { Counters } from './stats.js'
import type { SendReport, SendResult } from './send-report.js'
import { CAPTURE_V1_PATH } from './capture-v1-path.js'
import type { CaptureV1Sender } from './capture-v1.js'
import { batchTexts, packing, type PackedBatch } from './packed-batch.js'
import type { BatchEnvelope } from './batch-envelope.js'

export type { SendReport, SendResult } from './send-report.js'
export { sendOutcomes } from './send-outcomes.js'

type AttemptResult =
  | { kind: 'ok' }
  | { kind: 'retry'; error: Error; retryAfterMs: number | undefined }
  | { kind: 'fatal'; error: HttpError }
  | { kind: 'aborted' }

const encoder = new TextEncoder()

const DELIVERED: SendResult = Object.freeze({ delivered: true, held: undefined }) as SendResult
const NOT_DELIVERED: SendResult = Object.freeze({ delivered: false, held: undefined }) as SendResult

/**
 * Sends already-serialised events to one endpoint (Capture v1 batches go to `capture-v1.ts`): builds the `{api_key, batch, sent_at}` body,
 * gzips it, retries transient failures with backoff, splits on 413. `send()` never rejects:
 * every event ends up delivered or reported as dropped.
 */
export class Sender {
  readonly #options: ResolvedOptions
  readonly #runtime: Runtime
  /** The caller's `fetch`, or the runtime's transport for batches when none was given. */
  readonly #post: FetchLike
  readonly #counters: Counters
  readonly #report: SendReport
  readonly #bodyPrefix: string
  readonly #bodySuffix: string
  readonly #headers: Record<string, string>
  readonly #plainHeaders: Record<string, string>
  /** True while someone awaits delivery (`flush()`, `shutdown()`, an Immediate call): waits between retries then keep the process alive. */
  readonly #holds: () => boolean
  /** Capture v1's sender, imported with the first v1 batch (most clients never send one). */
  #v1: Promise<CaptureV1Sender> | undefined

  constructor(options: ResolvedOptions, runtime: Runtime, counters: Counters, report: SendReport, holds: () => boolean, envelope: BatchEnvelope) {
    this.#options = options
    this.#runtime = runtime
    this.#post = !options.fetchGiven && runtime.post !== undefined ? runtime.post : options.fetch
    this.#counters = counters
    this.#report = report
    this.#holds = holds
    this.#bodyPrefix = envelope.opening
    this.#bodySuffix = envelope.closing
    this.#plainHeaders = { 'Content-Type': 'application/json', 'User-Agent': `hoglet/${VERSION}` }
    this.#headers = { ...this.#plainHeaders }
    if (!options.disableCompression && runtime.gzip) this.#headers['Content-Encoding'] = 'gzip'
  }

  /** True when a batch compacted in its wire form can go out as it is (gzipped `/batch/` bodies). */
  get sendsPackedBatches(): boolean {
    return this.#headers['Content-Encoding'] === 'gzip' && this.#runtime.compactor?.pack !== undefined
  }


  /**
   * Delivers `events` (JSON texts) to `path`, or reports them dropped, or (a network error or
   * timeout on the last attempt, as posthog-node keeps them) hands them back as `held`.
   * `closing` aborts the request in progress and any wait between retries (shutdown ran out of time).
   */
  async send(path: string, batch: string[] | PackedBatch, closing: AbortSignal): Promise<SendResult> {
    // A packed batch goes out as it is only as a gzipped `/batch/` body.
    const packed = !Array.isArray(batch) && path !== CAPTURE_V1_PATH && this.sendsPackedBatches ? (batch as PackedBatch) : undefined
    const events = packed === undefined ? batchTexts(batch) : batch
    if (path === CAPTURE_V1_PATH) {
      this.#v1 ??= import('./capture-v1.js').then(
        ({ CaptureV1Sender }) => new CaptureV1Sender(this.#options, this.#runtime, this.#counters, this.#report, (ms, signal) => sleep(ms, signal, this.#holds())),
      )
      return (await this.#v1).send(path, events as string[], closing)
    }
    const url = this.#options.host + path
    const joined = packed ?? (events as string[]).join(',')
    const maxRetries = this.#options.fetchRetryCount
    for (let attempt = 0; ; attempt++) {
      if (closing.aborted) return this.#dropped('shutdown', events.length, `shutdown ran out of time before ${url} answered`)
      const result = await this.#attempt(url, joined, closing)
      if (result.kind === 'ok') {
        this.#report.delivered(path, events.length, events)
        return DELIVERED
      }
      if (result.kind === 'aborted') {
        return this.#dropped('shutdown', events.length, `shutdown ran out of time before ${url} answered`)
      }
      if (result.kind === 'fatal') {
        if (result.error.status === 413) return this.#split(path, batchTexts(events), closing, result.error)
        return this.#dropped('http_4xx', events.length, result.error.message, result.error)
      }
      if (attempt >= maxRetries) {
        if (result.error instanceof NetworkError || result.error instanceof RequestTimeoutError) {
          this.#report.held(path, events.length, result.error)
          return { delivered: false, held: batchTexts(events) }
        }
        return this.#dropped('retries_exhausted', events.length, `gave up after ${attempt + 1} attempts: ${result.error.message}`, result.error)
      }
      const delay = retryDelayMs(attempt, this.#options.fetchRetryDelay, this.#options.fetchRetryMaxDelay, result.retryAfterMs)
      this.#counters.retried++
      this.#report.retrying(path, attempt + 1, delay, result.error)
      if (!(await sleep(delay, closing, this.#holds()))) {
        return this.#dropped('shutdown', events.length, `shutdown ran out of time while retrying ${url}`, result.error)
      }
    }
  }

  /** 413: the server refuses the size. Halves go separately; a single event is too large for good. */
  async #split(path: string, events: string[], closing: AbortSignal, error: HttpError): Promise<SendResult> {
    if (events.length === 1) return this.#dropped('too_large', 1, error.message, error)
    const middle = Math.ceil(events.length / 2)
    const first = await this.send(path, events.slice(0, middle), closing)
    const second = await this.send(path, events.slice(middle), closing)
    if (first.held === undefined && second.held === undefined) return first.delivered && second.delivered ? DELIVERED : NOT_DELIVERED
    return { delivered: false, held: [...(first.held ?? []), ...(second.held ?? [])] }
  }

  #dropped(reason: DropReason, count: number, message: string, cause?: unknown): SendResult {
    this.#report.dropped(reason, count, message, cause)
    return NOT_DELIVERED
  }

  async #attempt(url: string, joined: string | PackedBatch, closing: AbortSignal): Promise<AttemptResult> {
    const time = new Date().toISOString() + '"}'
    // posthog-node's fetch contract: a string body when uncompressed, bytes when gzipped.
    let body: string | Uint8Array<ArrayBuffer>
    let headers = this.#headers
    if (typeof joined !== 'string') {
      // Compressed when it was compacted: the body is that data inside the envelope.
      // (A packed batch exists only once the packing module has loaded.)
      body = packing()!.packedGzipBody(joined.block, encoder.encode(time)) as Uint8Array<ArrayBuffer>
    } else if (headers['Content-Encoding'] === 'gzip') {
      const text = this.#bodyPrefix + joined + this.#bodySuffix + time
      try {
        body = (await this.#runtime.gzip!(encoder.encode(text))) as Uint8Array<ArrayBuffer>
      } catch {
        // A failing compressor must not lose the batch: send it uncompressed instead.
        headers = this.#plainHeaders
        body = text
      }
      // Shutdown may have run out of time while the batch was compressing: no request then.
      if (closing.aborted) return { kind: 'aborted' }
    } else {
      body = this.#bodyPrefix + joined + this.#bodySuffix + time
    }

    const deadline = new Deadline(this.#options.requestTimeout)
    const onClose = (): void => deadline.abort()
    closing.addEventListener('abort', onClose)
    this.#counters.requests++
    try {
      const response = await this.#post(url, {
        method: 'POST',
        headers,
        body,
        signal: deadline.signal,
      })
      const status = response.status
      if (status >= 200 && status < 300) {
        // Read the small body so the connection can be reused (keep-alive).
        await readText(response)
        return { kind: 'ok' }
      }
      const detail = await readText(response)
      const error = new HttpError(url, status, detail)
      if (isRetryableStatus(status)) {
        return { kind: 'retry', error, retryAfterMs: parseRetryAfter(response.headers?.get?.('Retry-After') ?? null) }
      }
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

/** The response text, or '' when a minimal custom response has none or it fails. */
async function readText(response: { text?: () => Promise<string> }): Promise<string> {
  try {
    return typeof response.text === 'function' ? await response.text() : ''
  } catch {
    return ''
  }
}

/** Waits `ms` (unref'd unless `hold`); resolves false at once if `signal` aborts first. */
function sleep(ms: number, signal: AbortSignal, hold: boolean): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false)
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer)
      resolve(false)
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve(true)
    }, ms)
    if (!hold) unrefTimer(timer)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}
