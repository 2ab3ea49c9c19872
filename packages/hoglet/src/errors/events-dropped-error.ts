import { HogletError, isNamed } from './hoglet-error.js'

/** Why events did not reach the server. Every drop is counted under one of these in `stats().dropped`. */
export type DropReason =
  | 'queue_full'
  | 'too_large'
  | 'before_send'
  | 'invalid'
  | 'http_4xx'
  /** Capture v1 answered `drop` for the event. */
  | 'rejected'
  | 'retries_exhausted'
  | 'shutdown'

/** Events were dropped for good; `count` says how many, `cause` says why when an error caused it. */
export class EventsDroppedError extends HogletError {
  override name = 'EventsDroppedError' as const
  readonly reason: DropReason
  readonly count: number

  constructor(reason: DropReason, count: number, message: string, options?: { cause?: unknown }) {
    super(`${count} event${count === 1 ? '' : 's'} dropped (${reason}): ${message}`, options)
    this.reason = reason
    this.count = count
  }
}

export function isEventsDroppedError(error: unknown): error is EventsDroppedError {
  return error instanceof EventsDroppedError || isNamed(error, ['EventsDroppedError'])
}
