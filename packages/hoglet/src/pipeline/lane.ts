import { EventQueue, type Compactor } from './event-queue.js'
import type { PackedBatch } from './wire-block.js'
import type { BatchEnvelope } from './batch-envelope.js'
import type { CompactingLane, LaneCompaction } from './lane-compaction.js'
import type { BatchSender } from './send-report.js'
import type { Counters } from './stats.js'
import type { Closing } from './closing.js'
import type { BatchInFlight, LaneReport, LaneSpooling, LaneState, SlotSerializer } from './lane-state.js'
import { lazyModule } from '../lazy-module.js'

export type { LaneReport, LaneSpooling, SlotSerializer } from './lane-state.js'

interface Waiter {
  target: number
  resolve: () => void
}

/** The send loop (taking batches, sending, holding what failed on the network), imported with the first send. */
const sendLoopCode = lazyModule(() => import('./send-loop.js'))

const RESOLVED = Promise.resolve()

/**
 * One queue and the loop that empties it into one endpoint (`/batch/`, or the AI lane's
 * `/i/v0/ai/batch/`). Normally one batch is in flight; while a backlog waits, a second loop
 * sends the next batch during the first one's round trip. Batches are taken in capture order
 * and counted done in that order, so "everything captured before flush() was called" is a
 * single sequence number to wait for. The loop itself (`send-loop.ts`) arrives with the first
 * send; the fields it shares with the lane are described in `LaneState`.
 */
export class Lane implements LaneState {
  readonly queue: EventQueue
  readonly path: string
  readonly maxEventBytes: number
  readonly maxBatchSize: number
  readonly flushAt: number
  readonly serialize: SlotSerializer
  readonly sender: BatchSender
  readonly counters: Counters
  readonly report: LaneReport
  readonly closing: Closing
  heldEvents: string[] = []
  readonly maxHeld: number
  heldSend: Promise<void> | undefined = undefined
  workers = 0
  inFlight = 0
  readonly batches: BatchInFlight[] = []
  forceUntil = 0
  #waiters: Waiter[] = []
  /** The backlog's compaction, where the runtime compresses synchronously (see lane-compaction.ts). */
  readonly compaction: LaneCompaction | undefined
  readonly #afterPush: (() => void) | undefined
  delivered = 0
  /** The latest async preparation (a `sendFeatureFlags` fetch) that will push into this lane. */
  preparing: Promise<unknown> | undefined = undefined
  /** The durable spool (`persistence: 'file'`): every event is appended before it is queued. */
  spool: LaneSpooling | undefined = undefined
  heldSince: number | undefined = undefined

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
    this.maxBatchSize = params.maxBatchSize
    this.flushAt = params.flushAt
    this.serialize = params.serialize
    this.sender = params.sender
    this.counters = params.counters
    this.report = params.report
    this.closing = params.closing
    this.#afterPush = params.afterPush
    this.maxHeld = params.maxHeld ?? params.capacity
    const { compactor, compaction } = params
    if (compactor !== undefined && compaction !== undefined) {
      this.compaction = compaction(compactor, {
        queue,
        maxBatchSize: params.maxBatchSize,
        maxEventBytes: params.maxEventBytes,
        serialize: params.serialize,
        packsBatches: params.packsBatches,
        sending: () => this.workers > 0,
      })
    }
  }

  /** Events neither delivered nor dropped yet: queued, in flight, or held after a network failure. */
  get pending(): number {
    return this.queue.size + this.inFlight + this.heldEvents.length
  }

  /** Events held after a network failure, waiting for the next flush. */
  get held(): number {
    return this.heldEvents.length
  }

  /** Called after each push: starts the send loop once `flushAt` events wait. */
  pushed(): void {
    this.spool?.pushed()
    if (this.workers === 0 && this.queue.size >= this.flushAt) this.start()
    this.compaction?.pushed()
    if (this.#afterPush !== undefined) this.#afterPush()
  }

  /** The JSON of every event in a request not settled yet (crash delivery resends them). */
  inFlightEvents(): string[] {
    const events: string[] = []
    // Not through packed-batch.ts's batchTexts: that module (and the packing loader) stays out of edge bundles.
    for (const { finished, events: batch } of this.batches) if (!finished) events.push(...(Array.isArray(batch) ? batch : (batch as PackedBatch).texts()))
    return events
  }

  /** Send whatever is queued now, even a partial batch (the flush timer). */
  kick(): void {
    this.forceUntil = this.queue.pushed
    if (this.workers === 0 && this.queue.size > 0) this.start()
    if (this.heldEvents.length > 0) void this.#sendHeld()
  }

  /**
   * Resolves once every event pushed before this call is delivered, dropped, or held again after
   * a network failure (tried once more first). Never rejects.
   */
  flush(): Promise<void> {
    const queued = this.#flushQueued()
    if (this.heldEvents.length === 0 && this.heldSend === undefined) return queued
    return Promise.all([this.#sendHeld(), queued]).then(() => undefined)
  }

  #flushQueued(): Promise<void> {
    const target = this.queue.pushed
    if (this.#done() >= target) return Promise.resolve()
    if (target > this.forceUntil) this.forceUntil = target
    const promise = new Promise<void>((resolve) => this.#waiters.push({ target, resolve }))
    if (this.workers === 0) this.start()
    return promise
  }

  /** One more attempt for the held events (events are held only by the send loop, so its code is there). */
  #sendHeld(): Promise<void> {
    return sendLoopCode.loaded()?.sendHeld(this) ?? RESOLVED
  }

  /** Drops everything still queued or held (shutdown ran out of time); returns how many. */
  abandon(): number {
    const count = this.queue.size + this.heldEvents.length
    while (this.queue.size > 0) this.queue.shift()
    this.heldEvents = []
    this.heldSince = undefined
    this.settle()
    return count
  }

  /** Called after the oldest events were dropped from the queue (by the client to make room, or by the spool). */
  droppedOldest(): void {
    this.settle()
  }

  #done(): number {
    return this.queue.removed - this.inFlight
  }

  start(): void {
    this.workers++
    // Through a promise (already settled after the first send) rather than queueMicrotask:
    // jest's default fake timers replace queueMicrotask, and flush() must still resolve under them.
    void sendLoopCode.load().then(
      // Not expected (send() never rejects), but an escaped error must not become an unhandled rejection.
      (code) => code.runSendLoop(this).catch((error: unknown) => this.#loopFailed(error)),
      (error: unknown) => {
        this.workers--
        this.#loopFailed(error)
        this.settle()
      },
    )
  }

  #loopFailed(error: unknown): void {
    this.report.refused('invalid', `the send loop failed: ${(error as Error)?.message ?? error}`, error)
  }

  settle(): void {
    if (this.spool !== undefined) {
      // Held events left the queue but are not delivered: their segments must stay.
      const done = this.heldSince === undefined ? this.#done() : Math.min(this.#done(), this.heldSince)
      this.spool.settled(done)
    }
    if (this.#waiters.length === 0) return
    const done = this.#done()
    const idle = this.workers === 0 && this.queue.size === 0
    const still: Waiter[] = []
    for (const waiter of this.#waiters) {
      if (idle || done >= waiter.target) waiter.resolve()
      else still.push(waiter)
    }
    this.#waiters = still
  }
}
