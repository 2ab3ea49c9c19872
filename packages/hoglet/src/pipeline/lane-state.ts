import type { DropReason } from '../errors/events-dropped-error.js'
import type { EventQueue } from './event-queue.js'
import type { PackedBatch } from './wire-block.js'
import type { LaneCompaction } from './lane-compaction.js'
import type { BatchSender } from './send-report.js'
import type { Counters } from './stats.js'
import type { Closing } from './closing.js'

/** Turns a queued event into its JSON text; throws when it cannot (circular, BigInt...). */
export type SlotSerializer = (queue: EventQueue, slot: number) => string

export interface LaneReport {
  refused(reason: DropReason, message: string, cause?: unknown): void
}

/**
 * The durable spool as a lane uses it (`persistence: 'file'`), in the lane's queue sequence
 * numbers: `pipeline/pipeline-spool.ts` binds a store's `LaneSpool` to the lane, so the edge's
 * bundles carry none of that bookkeeping.
 */
export interface LaneSpooling {
  /** Writes one event, before it is queued. */
  append(json: string, time: number, form: number): void
  /** After each push: reports the queued events the spool's byte bound dropped during it. */
  pushed(): void
  sending(fromSeq: number, toSeq: number): void
  settledRange(fromSeq: number, toSeq: number): void
  settled(doneSeq: number): void
  close(): void
}

/** A batch in flight; it counts as done once it and all older ones are. */
export interface BatchInFlight {
  count: number
  finished: boolean
  events: string[] | PackedBatch
  startSeq: number
}

/**
 * What a lane (`lane.ts`, what synchronous calls read) and its send loop (`send-loop.ts`,
 * loaded with the first send) share: the lane's settings and collaborators, and the state of
 * its requests.
 */
export interface LaneState {
  readonly queue: EventQueue
  readonly path: string
  /** Largest serialised event this lane accepts. */
  readonly maxEventBytes: number
  readonly maxBatchSize: number
  readonly flushAt: number
  readonly serialize: SlotSerializer
  readonly sender: BatchSender
  readonly counters: Counters
  readonly report: LaneReport
  readonly closing: Closing
  readonly compaction: LaneCompaction | undefined
  spool: LaneSpooling | undefined
  /** Events this lane got acknowledged by the server. */
  delivered: number
  /** Send loops running (one normally; a second one while a full batch waits behind the first). */
  workers: number
  /** Events in requests that are not settled in capture order yet. */
  inFlight: number
  /** Batches in flight, oldest first. */
  readonly batches: BatchInFlight[]
  /** Keep sending partial batches until this many events have left the queue. */
  forceUntil: number
  /**
   * Events whose last attempt ended on a network error or timeout, oldest first: kept for the
   * next flush (as posthog-node keeps them queued), at most `maxHeld`.
   */
  heldEvents: string[]
  readonly maxHeld: number
  /** The send of the held events in progress, if any. */
  heldSend: Promise<void> | undefined
  /** Lowest queue sequence number among held events: the spool keeps everything from there. */
  heldSince: number | undefined
  /** Starts one more send loop. */
  start(): void
  /** Resolves the flushes whose events are all done, and tells the spool what is settled. */
  settle(): void
}
