import type { DropReason } from '../errors/events-dropped-error.js'
import type { PackedBatch } from './packed-batch.js'

/** How a batch ended, told to the client so it can count, log and emit. */
export interface SendReport {
  /** `events`: the delivered texts (a packed batch expands to them with `batchTexts`). */
  delivered(path: string, count: number, events: readonly string[] | PackedBatch): void
  /** A network error or timeout outlasted the retries: the events go back to the lane for the next flush. */
  held(path: string, count: number, error: Error): void
  dropped(reason: DropReason, count: number, message: string, cause?: unknown): void
  retrying(path: string, attempt: number, delayMs: number, cause: Error): void
}

/** Sends one batch to one endpoint; never rejects (see `Sender`). */
export interface BatchSender {
  send(path: string, batch: string[] | PackedBatch, closing: AbortSignal): Promise<SendResult>
}

/** How a `send()` ended: every event delivered, or not; `held` are the events kept for the next flush. */
export interface SendResult {
  delivered: boolean
  held: string[] | undefined
}
