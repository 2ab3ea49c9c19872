import { MAX_REQUEST_BYTES, utf8Length } from '../event.js'
import type { DropReason } from '../errors/events-dropped-error.js'
import { EventQueue, type Compactor } from './event-queue.js'
import type { PackedBatch } from './wire-block.js'
import { ENVELOPE_ROOM_BYTES, type BatchEnvelope } from './batch-envelope.js'
import type { CompactingLane, LaneCompaction } from './lane-compaction.js'
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

interface Waiter {
  target: number
  resolve: () => void
}

/**
 * Requests one lane keeps in flight. A single request when traffic is normal (the timer and
 * flushAt paths); a second only while a full batch is already waiting behind the first.
 */
const MAX_REQUESTS_IN_FLIGHT = 2

const RESOLVED = Promise.resolve()

/**
 * One queue and the loop that empties it into one endpoint (`/batch/`, or the AI lane's
 * `/i/v0/ai/batch/`). Normally one batch is in flight; while a backlog waits, a second loop
 * sends the next batch during the first one's round trip. Batches are taken in capture order
 * and counted done in that order, so "everything captured before flush() was called" is a
 * single sequence number to wait for.
 */
export class Lane {
  readonly queue: EventQueue
  readonly path: string
  /** Largest serialised event this lane accepts. */
  readonly maxEventBytes: number
  readonly #maxBatchSize: number
  readonly #flushAt: number
  readonly #serialize: SlotSerializer
  readonly #sender: BatchSender
  readonly #counters: Counters
  readonly #report: LaneReport
  readonly #closing: Closing
  /**
   * Events whose last attempt ended on a network error or timeout, oldest first: kept for the
   * next flush (as posthog-node keeps them queued), at most `#maxHeld`.
   */
  #held: string[] = []
  readonly #maxHeld: number
  /** The send of the held events in progress, if any. */
  #heldSend: Promise<void> | undefined
  /** Send loops running (one normally; a second one while a full batch waits behind the first). */
  #workers = 0
  /** Events in requests that are not settled in capture order yet (see #done). */
  #inFlight = 0
  /** Batches in flight, oldest first; a batch counts as done once it and all older ones are. */
  readonly #batches: Array<{ count: number; finished: boolean; events: string[] | PackedBatch; startSeq: number }> = []
  /** Keep sending partial batches until this many events have left the queue. */
  #forceUntil = 0
  #waiters: Waiter[] = []
  /** The backlog's compaction, where the runtime compresses synchronously (see lane-compaction.ts). */
  readonly #compaction: LaneCompaction | undefined
  readonly #afterPush: (() => void) | undefined
  /** Events this lane got acknowledged by the server. */
  delivered = 0
  /** The latest async preparation (a `sendFeatureFlags` fetch) that will push into this lane. */
  preparing: Promise<unknown> | undefined = undefined
  /** The durable spool (`persistence: 'file'`): every event is appended before it is queued. */
  spool: LaneSpooling | undefined = undefined
  /** Lowest queue sequence number among held events: the spool keeps everything from there. */
  #heldSince: number | undefined = undefined

  constructor(params: {
    path: string
    capacity: number
    maxEventBytes: number
    maxBatchSize: number
    flushAt: number
    serialize: SlotSerializer
    sender: BatchSender
    counters: Counters
    report: LaneReport
    closing: Closing
    /** Most events kept after network failures (default: `capacity`). */
    maxHeld?: number
    compactor?: Compactor
    /** How a backlog is compacted with `compactor` (`Runtime.compaction`); without both, events stay texts. */
    compaction?: (compactor: Compactor, lane: CompactingLane) => LaneCompaction
    /** See `CompactingLane.packsBatches`. */
    packsBatches?: BatchEnvelope
    /** Called after every push (the `waitUntil` debounce). */
    afterPush?: (() => void) | undefined
  }) {
    const queue = (this.queue = new EventQueue(params.capacity))
    this.path = params.path
    this.maxEventBytes = params.maxEventBytes
    this.#maxBatchSize = params.maxBatchSize
    this.#flushAt = params.flushAt
    this.#serialize = params.serialize
    this.#sender = params.sender
    this.#counters = params.counters
    this.#report = params.report
    this.#closing = params.closing
    this.#afterPush = params.afterPush
    this.#maxHeld = params.maxHeld ?? params.capacity
    const { compactor, compaction } = params
    if (compactor !== undefined && compaction !== undefined) {
      this.#compaction = compaction(compactor, {
        queue,
        maxBatchSize: params.maxBatchSize,
        maxEventBytes: params.maxEventBytes,
        serialize: params.serialize,
        packsBatches: params.packsBatches,
        sending: () => this.#workers > 0,
      })
    }
  }

  /** Events neither delivered nor dropped yet: queued, in flight, or held after a network failure. */
  get pending(): number {
    return this.queue.size + this.#inFlight + this.#held.length
  }

  /** Events held after a network failure, waiting for the next flush. */
  get held(): number {
    return this.#held.length
  }

  /** Called after each push: starts the send loop once `flushAt` events wait. */
  pushed(): void {
    this.spool?.pushed()
    if (this.#workers === 0 && this.queue.size >= this.#flushAt) this.#start()
    this.#compaction?.pushed()
    if (this.#afterPush !== undefined) this.#afterPush()
  }

  /** The JSON of every event in a request not settled yet (crash delivery resends them). */
  inFlightEvents(): string[] {
    const events: string[] = []
    // Not through packed-batch.ts's batchTexts: that module (and the packing loader) stays out of edge bundles.
    for (const { finished, events: batch } of this.#batches) if (!finished) events.push(...(Array.isArray(batch) ? batch : (batch as PackedBatch).texts()))
    return events
  }

  /** Send whatever is queued now, even a partial batch (the flush timer). */
  kick(): void {
    this.#forceUntil = this.queue.pushed
    if (this.#workers === 0 && this.queue.size > 0) this.#start()
    if (this.#held.length > 0) void this.#sendHeld()
  }

  /**
   * Resolves once every event pushed before this call is delivered, dropped, or held again after
   * a network failure (tried once more first). Never rejects.
   */
  flush(): Promise<void> {
    const queued = this.#flushQueued()
    if (this.#held.length === 0 && this.#heldSend === undefined) return queued
    return Promise.all([this.#sendHeld(), queued]).then(() => undefined)
  }

  #flushQueued(): Promise<void> {
    const target = this.queue.pushed
    if (this.#done() >= target) return Promise.resolve()
    if (target > this.#forceUntil) this.#forceUntil = target
    const promise = new Promise<void>((resolve) => this.#waiters.push({ target, resolve }))
    if (this.#workers === 0) this.#start()
    return promise
  }

  /** One more attempt for the held events; what fails on the network again is held again. */
  #sendHeld(): Promise<void> {
    if (this.#heldSend !== undefined) return this.#heldSend
    if (this.#held.length === 0) return Promise.resolve()
    const events = this.#held
    this.#held = []
    this.#counters.inFlight += events.length
    const run = (async () => {
      try {
        for (let i = 0; i < events.length; i += this.#maxBatchSize) {
          const batch = events.slice(i, i + this.#maxBatchSize)
          const result = await this.#sender.send(this.path, batch, this.#closing.signal)
          if (result.delivered) this.delivered += batch.length
          if (result.held !== undefined) this.#hold(result.held)
        }
      } finally {
        // counters.inFlight went down as the sender settled or held each event (see EventPipeline).
        this.#heldSend = undefined
        if (this.#held.length === 0) this.#heldSince = undefined
        this.#settle()
      }
    })()
    this.#heldSend = run
    return run
  }

  /** Keeps events for the next flush, the oldest dropped beyond the cap. */
  #hold(events: string[]): void {
    this.#held.push(...events)
    const over = this.#held.length - this.#maxHeld
    if (over > 0) {
      this.#held.splice(0, over)
      this.#report.refused('queue_full', `${over} event(s) held after network failures were dropped: more than ${this.#maxHeld} waiting`)
    }
  }

  /** Drops everything still queued or held (shutdown ran out of time); returns how many. */
  abandon(): number {
    const count = this.queue.size + this.#held.length
    while (this.queue.size > 0) this.queue.shift()
    this.#held = []
    this.#heldSince = undefined
    this.#settle()
    return count
  }

  /** Called after the oldest events were dropped from the queue (by the client to make room, or by the spool). */
  droppedOldest(): void {
    this.#settle()
  }

  #done(): number {
    return this.queue.removed - this.#inFlight
  }

  #start(): void {
    this.#workers++
    // A resolved promise rather than queueMicrotask: jest's default fake timers replace
    // queueMicrotask, and flush() must still resolve under them.
    void RESOLVED.then(() =>
      this.#run().catch((error: unknown) => {
        // Not expected (send() never rejects), but an escaped error must not become an unhandled rejection.
        this.#report.refused('invalid', `the send loop failed: ${(error as Error)?.message ?? error}`, error)
      }),
    )
  }

  async #run(): Promise<void> {
    const q = this.queue
    try {
      while (q.size > 0 && !this.#closing.signal.aborted && (q.size >= this.#flushAt || q.removed < this.#forceUntil)) {
        const startSeq = q.removed
        const batch = this.#take()
        if (batch.length === 0) {
          this.#settle()
          continue
        }
        // A backlog: let a second request go out while this one waits for its answer.
        if (this.#workers < MAX_REQUESTS_IN_FLIGHT && q.size >= this.#maxBatchSize) this.#start()
        const endSeq = q.removed
        this.spool?.sending(startSeq, endSeq)
        const entry = { count: batch.length, finished: false, events: batch, startSeq }
        this.#batches.push(entry)
        this.#inFlight += batch.length
        let held = false
        try {
          const result = await this.#sender.send(this.path, batch, this.#closing.signal)
          if (result.delivered) this.delivered += batch.length
          if (result.held !== undefined) {
            held = true
            this.#hold(result.held)
            if (this.#heldSince === undefined || startSeq < this.#heldSince) this.#heldSince = startSeq
          }
        } finally {
          // counters.inFlight went down as the sender settled each event (see EventPipeline).
          entry.finished = true
          // Answered while an older batch is in flight (or held): the settled prefix (#settle)
          // cannot cover it yet, so the spool records it now and a crash does not replay it.
          if (this.spool !== undefined && !held && (this.#batches[0] !== entry || this.#heldSince !== undefined)) {
            this.spool.settledRange(startSeq, endSeq)
          }
          while (this.#batches.length > 0 && this.#batches[0].finished) this.#inFlight -= this.#batches.shift()!.count
        }
        this.#settle()
      }
    } finally {
      this.#workers--
      this.#settle()
    }
  }

  /** Takes up to `maxBatchSize` events and 5 MiB of JSON from the head; refuses events that cannot be sent. */
  #take(): string[] | PackedBatch {
    const q = this.queue
    // A batch compacted whole in its wire form (checked for size when it was compacted).
    const packed = this.#compaction?.takePacked()
    if (packed !== undefined) {
      this.#counters.inFlight += packed.length
      return packed
    }
    const batch: string[] = []
    let bytes = ENVELOPE_ROOM_BYTES
    while (batch.length < this.#maxBatchSize && q.size > 0) {
      let json = q.pendingJson
      if (json === undefined) {
        try {
          json = this.#serialize(q, q.head)
        } catch (error) {
          q.shift()
          this.#report.refused('invalid', `the event cannot be serialised to JSON: ${(error as Error)?.message ?? error}`, error)
          continue
        }
      }
      const size = json.length < this.maxEventBytes / 3 ? json.length : utf8Length(json)
      if (size > this.maxEventBytes) {
        q.pendingJson = undefined
        q.shift()
        this.#report.refused('too_large', `the event is ${size} bytes, over the ${this.maxEventBytes}-byte cap`)
        continue
      }
      if (batch.length > 0 && bytes + size + 1 > MAX_REQUEST_BYTES) {
        q.pendingJson = json // first event of the next batch
        break
      }
      q.pendingJson = undefined
      q.shift()
      batch.push(json)
      this.#counters.inFlight++ // counted as it leaves the queue: a drop reported mid-take sees stats() add up
      bytes += size + 1
    }
    return batch
  }

  #settle(): void {
    if (this.spool !== undefined) {
      // Held events left the queue but are not delivered: their segments must stay.
      const done = this.#heldSince === undefined ? this.#done() : Math.min(this.#done(), this.#heldSince)
      this.spool.settled(done)
    }
    if (this.#waiters.length === 0) return
    const done = this.#done()
    const idle = this.#workers === 0 && this.queue.size === 0
    const still: Waiter[] = []
    for (const waiter of this.#waiters) {
      if (idle || done >= waiter.target) waiter.resolve()
      else still.push(waiter)
    }
    this.#waiters = still
  }
}
