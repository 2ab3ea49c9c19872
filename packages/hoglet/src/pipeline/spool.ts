/**
 * The durable spool's contract, free of runtime APIs: the lane writes each event to its
 * `LaneSpool` before queueing it and tells it how far events are settled; a runtime module
 * (`runtime/file-spool.ts` on Node, Bun and Deno) implements it over files.
 *
 * Ordering is what makes the bookkeeping cheap: a lane's events enter its queue in the order
 * they were appended and leave it in that order, and the lane counts them settled (delivered
 * or dropped) in that order too, so "everything before sequence number N is settled" says
 * which spool segments can be deleted, with nothing stored per event. A batch answered while
 * an older one is still in flight is reported on its own (`settledRange`), so a crash never
 * replays a batch the server acknowledged: only the batches in flight at the crash.
 */

/** When the spool's file is flushed to the disk (fsync), beyond the write made before capture() returns. */
export type SpoolFsyncPolicy = 'batch' | 'always' | 'never'

/** One spooled event: the queue slot it came from. */
export interface SpoolRecord {
  readonly json: string
  readonly time: number
  readonly form: number
}

/** What a lane's spool reports back to the lane. */
export interface SpoolHost {
  /**
   * Over the byte bound: drop queued events with a sequence number below `endSeq` (the oldest
   * segment). The lane drops them at once and reports them after the push in progress.
   */
  evictBefore(endSeq: number): void
  /** A problem worth a warning (a failed write, a corrupt record skipped at replay). */
  warn(error: Error): void
}

export interface LaneSpool {
  /** Events found at start (this process's earlier runs and dead processes' spools), oldest first. */
  readonly replayed: readonly SpoolRecord[]
  /** How many of `replayed` were in a request in flight when their process died (the server may have stored them). */
  readonly replayedInFlight: number
  /** Writes one event (sequence number = events appended so far, replayed ones included). Never throws. */
  append(json: string, time: number, form: number): void
  /** Events with a sequence number below `done` are delivered or dropped: their segments can go. */
  settled(done: number): void
  /** Events `[from, to)` are delivered or dropped although older ones are not (recorded at once, replayed never). */
  settledRange(from: number, to: number): void
  /**
   * Events `[from, to)` go out in one request now (recorded, so a replay knows they were in
   * flight; the `'batch'` policy also flushes the file to disk now, off the event loop).
   */
  sending(from: number, to: number): void
  /** Stops writing; unsettled events stay on disk for the next start, settled segments are gone. */
  close(): void
}

/** Opens one spool per lane path (`/batch/`, `/i/v0/ai/batch/`). */
export interface SpoolStore {
  open(lane: string, host: SpoolHost): LaneSpool
  /** True when events of `lane` were found at start (the AI lane is then opened at once). */
  hasInherited(lane: string): boolean
  /** Removes this process's directory when nothing is left in it. */
  close(): void
}

export interface SpoolOptions {
  /** Base directory (a runtime default when undefined); every client namespaces itself inside by api key and host. */
  readonly directory: string | undefined
  readonly fsync: SpoolFsyncPolicy
  /** Bound on the bytes of live segments; the oldest segment's queued events are dropped past it. */
  readonly maxBytes: number
  /** Names the client's own namespace inside `directory` (a hash of the api key and host). */
  readonly namespace: string
}
