import type { DropReason } from '../errors/events-dropped-error.js'

/** Why a call was refused before any event existed. */
export type RefusalReason = 'invalid' | 'too_large'

/**
 * A snapshot of the client's delivery counters (see `client.stats()`). At every moment
 * `captured === delivered + droppedTotal + queued + inFlight`; refused calls are counted
 * apart, in `refused`, and never in `captured`.
 */
export interface PipelineStats {
  /** Events accepted by capture() and the other event methods (validation passed). */
  captured: number
  /** Of `captured`, events replayed from the durable spool (captured by an earlier process). */
  replayed: number
  /**
   * Of `replayed`, events that were inside a request in flight when the earlier process died:
   * sent once, their answer never heard, so the server may have stored them already. They are
   * sent again under the same uuids (PostHog and hoglet-server store one event per uuid).
   */
  replayedInFlight: number
  /** Events the server acknowledged with a 2xx. */
  delivered: number
  /** Captured events that will never be delivered, by reason. */
  dropped: Record<DropReason, number>
  /** Total of `dropped`. */
  droppedTotal: number
  /** Calls refused before an event existed (bad input, over the size cap), by reason. A client stays usable after `shutdown()`, so nothing is refused for it. */
  refused: Record<RefusalReason, number>
  /** Total of `refused`. */
  refusedTotal: number
  /** Request attempts that were retried (one batch retried three times counts three). */
  retried: number
  /** HTTP requests made for events, retries included. */
  requests: number
  /** Events inside requests that are in progress. */
  inFlight: number
  /** Events waiting in the queues, in the durable spool's replay, or for their `sendFeatureFlags` lookup. */
  queued: number
}

export function emptyDropCounts(): Record<DropReason, number> {
  return { queue_full: 0, too_large: 0, before_send: 0, invalid: 0, http_4xx: 0, rejected: 0, retries_exhausted: 0, shutdown: 0 }
}

export function emptyRefusalCounts(): Record<RefusalReason, number> {
  return { invalid: 0, too_large: 0 }
}

/** The mutable counters behind `stats()`; plain fields so counting costs nothing. */
export class Counters {
  captured = 0
  delivered = 0
  retried = 0
  requests = 0
  inFlight = 0
  /** Events a previous process spooled and this one replayed (included in `captured`). */
  replayed = 0
  /** Of `replayed`, events in a request in flight when that process died (possibly delivered already). */
  replayedInFlight = 0
  /** Captured events waiting for something before they enter a queue (a `sendFeatureFlags` lookup). */
  preparing = 0
  readonly dropped = emptyDropCounts()
  readonly refused = emptyRefusalCounts()

  snapshot(queued: number): PipelineStats {
    const { preparing, ...counts } = this
    const dropped = { ...this.dropped }
    const refused = { ...this.refused }
    return { ...counts, dropped, droppedTotal: total(dropped), refused, refusedTotal: total(refused), queued: queued + preparing }
  }
}

function total(counts: Record<string, number>): number {
  let sum = 0
  for (const key in counts) sum += counts[key]
  return sum
}
