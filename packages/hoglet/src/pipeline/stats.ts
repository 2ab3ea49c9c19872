import type { DropReason } from '../errors/events-dropped-error.js'

/** A snapshot of the client's delivery counters (see `client.stats()`). */
export interface PipelineStats {
  /** Events accepted by capture() and the other event methods. */
  captured: number
  /** Events the server acknowledged with a 2xx. */
  delivered: number
  /** Events that will never be delivered, by reason. */
  dropped: Record<DropReason, number>
  /** Total of `dropped`. */
  droppedTotal: number
  /** Request attempts that were retried (one batch retried three times counts three). */
  retried: number
  /** HTTP requests made for events, retries included. */
  requests: number
  /** Events inside requests that are in progress. */
  inFlight: number
  /** Events waiting in the queues. */
  queued: number
}

export function emptyDropCounts(): Record<DropReason, number> {
  return { queue_full: 0, too_large: 0, before_send: 0, invalid: 0, http_4xx: 0, rejected: 0, retries_exhausted: 0, shutdown: 0 }
}

/** The mutable counters behind `stats()`; plain fields so counting costs nothing. */
export class Counters {
  captured = 0
  delivered = 0
  retried = 0
  requests = 0
  inFlight = 0
  readonly dropped = emptyDropCounts()

  snapshot(queued: number): PipelineStats {
    const dropped = { ...this.dropped }
    let droppedTotal = 0
    for (const key in dropped) droppedTotal += dropped[key as DropReason]
    return {
      captured: this.captured,
      delivered: this.delivered,
      dropped,
      droppedTotal,
      retried: this.retried,
      requests: this.requests,
      inFlight: this.inFlight,
      queued,
    }
  }
}
