import type { ResolvedOptions } from '../options.js'
import type { Runtime } from '../runtime/types.js'
import type { PackedBatch } from './packed-batch.js'
import type { BatchSender, SendResult } from './send-report.js'
import type { SendOutcomeParts } from './send-outcomes.js'
import type { Sender } from './sender.js'
import type { Counters } from './stats.js'
import { batchEnvelope, type BatchEnvelope } from './batch-envelope.js'

/**
 * What the pipeline holds in place of the sender: `sender.ts` (request building, retries and
 * backoff, the HTTP error types, and how outcomes are counted and reported: `send-outcomes.ts`)
 * is imported with the first batch sent, so importing hoglet and
 * constructing a client do not load it. Sending is asynchronous anyway; a batch waits for the
 * import once per process.
 */
export class LazySender implements BatchSender {
  /**
   * While above zero someone awaits delivery (`flush()`, `shutdown()`, an Immediate call), so
   * waits between retries keep the process alive; otherwise they are unref'd.
   */
  keepAlive = 0
  /** Batches compacted in their wire form can go out as they are (gzipped `/batch/` bodies, a runtime that packs). */
  readonly sendsPackedBatches: boolean
  /** The `/batch/` body around the events. */
  readonly envelope: BatchEnvelope
  readonly #options: ResolvedOptions
  readonly #runtime: Runtime
  readonly #counters: Counters
  readonly #outcomes: SendOutcomeParts
  #sender: Sender | undefined
  #loading: Promise<Sender> | undefined

  constructor(options: ResolvedOptions, runtime: Runtime, counters: Counters, outcomes: SendOutcomeParts) {
    this.#options = options
    this.#runtime = runtime
    this.#counters = counters
    this.#outcomes = outcomes
    this.envelope = batchEnvelope(options.apiKey, options.historicalMigration)
    this.sendsPackedBatches = !options.disableCompression && runtime.gzip !== undefined && runtime.compactor?.pack !== undefined
  }

  send(path: string, batch: string[] | PackedBatch, closing: AbortSignal): Promise<SendResult> {
    if (this.#sender !== undefined) return this.#sender.send(path, batch, closing)
    this.#loading ??= import('./sender.js').then(
      ({ Sender, sendOutcomes }) =>
        (this.#sender = new Sender(this.#options, this.#runtime, this.#counters, sendOutcomes(this.#outcomes), () => this.keepAlive > 0, this.envelope)),
    )
    return this.#loading.then((sender) => sender.send(path, batch, closing))
  }
}
