import { MAX_REQUEST_BYTES, utf8Length } from '../event.js'
import { ENVELOPE_ROOM_BYTES, type BatchEnvelope } from './batch-envelope.js'
import type { Compactor, EventQueue } from './event-queue.js'
import { packing, type PackedBatch } from './packed-batch.js'
import { QueueCompaction, type WireCompaction } from './queue-compaction.js'

/**
 * Events compressed together when the queue is compacted: about 60 KB of typical JSON, past
 * the 32 KB window of deflate, so a larger block would compress hardly better.
 */
const COMPACT_BLOCK = 128
/**
 * Events at the head of the queue that stay plain strings: the next batch, but never more than
 * one block. A queue waiting for its flush (hundreds of events between timer flushes) then
 * keeps most of its events compressed, at about a sixth of their JSON size.
 */
const MAX_HOT_EVENTS = COMPACT_BLOCK
/**
 * Largest batch compacted in its wire form while the lane is sending (one block is one batch,
 * compressed synchronously): above this, blocks are compacted for memory only.
 */
const MAX_WIRE_BLOCK = 1000
/**
 * Events compressed into wire blocks per compaction callback (level 6, about 3 µs each): a
 * large backlog is packed over several turns of the event loop, a few milliseconds at a time,
 * so requests the application serves meanwhile are not held up.
 */
const WIRE_EVENTS_PER_TURN = 1600

const later: (fn: () => void) => { unref?: () => void } =
  typeof setImmediate === 'function' ? setImmediate : (fn) => setTimeout(fn, 0)

/** What a lane tells its compaction. */
export interface CompactingLane {
  readonly queue: EventQueue
  readonly maxBatchSize: number
  readonly maxEventBytes: number
  /** Completes a queued event for the wire (the lane's serializer). */
  serialize(queue: EventQueue, slot: number): string
  /**
   * The body around the events when the sender sends gzipped `/batch/` bodies: a backlog
   * compacted while the lane is sending is compressed once, as whole request bodies (see `WireBlock`).
   */
  readonly packsBatches: BatchEnvelope | undefined
  /** True while the lane has a request in flight. */
  sending(): boolean
}

/** A lane's backlog compaction: where the runtime has a synchronous compressor (`Runtime.compaction`). */
export interface LaneCompaction {
  /** After each push: compacts the backlog now, or schedules it while the lane is sending. */
  pushed(): void
  /** The batch at the head when it was compacted whole in its wire form, its events taken from the queue. */
  takePacked(): PackedBatch | undefined
}

/** The compaction of `lane`'s backlog with `compactor` (the Node runtime's `compaction`). */
export function compactLane(compactor: Compactor, lane: CompactingLane): LaneCompaction {
  return new BacklogCompaction(compactor, lane)
}

class BacklogCompaction implements LaneCompaction {
  readonly #lane: CompactingLane
  readonly #queue: QueueCompaction
  readonly #inflate: (data: Uint8Array) => string
  readonly #hot: number
  /** Queue length from which a backlog is worth compacting. */
  readonly #compactAt: number
  #scheduled = false
  /** How a backlog is compacted into whole wire batches while the lane sends (undefined: never). */
  readonly #wire: WireCompaction | undefined

  constructor(compactor: Compactor, lane: CompactingLane) {
    this.#lane = lane
    this.#queue = new QueueCompaction(lane.queue, compactor)
    this.#inflate = compactor.inflate
    this.#hot = Math.min(lane.maxBatchSize, MAX_HOT_EVENTS)
    this.#compactAt = this.#hot + COMPACT_BLOCK
    const envelope = lane.packsBatches
    this.#wire =
      envelope !== undefined && compactor.pack !== undefined && lane.maxBatchSize <= MAX_WIRE_BLOCK
        ? {
            serialize: lane.serialize,
            maxEventBytes: lane.maxEventBytes,
            // The events may take what a batch may take; the block holds the envelope too.
            maxBytes: MAX_REQUEST_BYTES - ENVELOPE_ROOM_BYTES + utf8Length(envelope.opening) + utf8Length(envelope.closing),
            envelope,
          }
        : undefined
  }

  pushed(): void {
    if (this.#lane.queue.size < this.#compactAt || this.#scheduled) return
    // Nothing sending: the backlog is compacted for memory now, a block at a time, so a
    // burst's texts die young instead of being copied by the GC until a later turn compacts them.
    if (this.#wire === undefined || !this.#lane.sending()) this.#compactNow()
    else this.#schedule()
  }

  takePacked(): PackedBatch | undefined {
    const wire = this.#wire !== undefined ? this.#queue.wireBlockAtHead() : undefined
    if (wire === undefined) return undefined
    const queue = this.#lane.queue
    for (let k = 0; k < wire.lengths.length; k++) queue.shift()
    return packing()!.packedBatch(wire, this.#inflate)
  }

  /** Compacts for memory in the push; a failure (the compressor out of memory) leaves the texts as they are, never throws into capture(). */
  #compactNow(): void {
    try {
      this.#queue.compact(this.#hot, COMPACT_BLOCK)
    } catch {
      // A block is only swapped in once compressed: the queue is unchanged, and a later push tries again.
    }
  }

  /** Compacts a sending lane's backlog off the capture path, right after the current work. */
  #schedule(): void {
    this.#scheduled = true
    const handle = later(() => {
      this.#scheduled = false
      // While batches are leaving, the backlog will be sent soon: compress it once, as whole
      // batches in their wire form, which the sender puts in the request as they are. A queue
      // that waits (for its flush, nothing sending) is compacted fast, for memory only.
      const lane = this.#lane
      if (this.#wire !== undefined && lane.sending()) {
        const maxBlocks = Math.max(1, Math.floor(WIRE_EVENTS_PER_TURN / lane.maxBatchSize))
        const packed = this.#queue.compact(lane.maxBatchSize, lane.maxBatchSize, this.#wire, maxBlocks)
        if (packed === maxBlocks * lane.maxBatchSize && lane.queue.size >= this.#compactAt) this.#schedule()
      } else this.#queue.compact(this.#hot, COMPACT_BLOCK)
    })
    handle.unref?.()
  }
}
