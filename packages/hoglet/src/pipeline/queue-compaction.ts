import { utf8Length } from '../event.js'
import { SlotForm, type CompactBlock, type Compactor, type EventQueue } from './event-queue.js'
import { packing } from './packed-batch.js'
import type { BatchEnvelope } from './batch-envelope.js'
import type { WireBlock } from './wire-block.js'

/** How `compact()` turns blocks into whole batches in their wire form (see `WireBlock`). */
export interface WireCompaction {
  /** Completes a queued event for the wire (the lane's serializer). */
  serialize(queue: EventQueue, slot: number): string
  /** Largest event a batch takes (UTF-8 bytes); a block holding a larger one is compacted for memory instead. */
  maxEventBytes: number
  /** Largest text of a block, envelope included (UTF-8 bytes). */
  maxBytes: number
  /** The request body around the events, compressed with them. */
  envelope: BatchEnvelope
}

/**
 * Compresses runs of consecutive queued events into blocks, and reads them back. Each slot of
 * a compacted event holds no text (`queue.json[slot]` undefined) and points to its block; the
 * queue asks `expand` for it when the text is needed, which puts the block's texts back.
 * Only runtimes with a synchronous compressor load this (see `Runtime.compaction`).
 */
export class QueueCompaction {
  readonly #queue: EventQueue
  readonly #compactor: Compactor
  /** How memory blocks are compressed and read back: the runtime's pair, else its deflate. */
  readonly #compress: (text: string) => Uint8Array
  readonly #expand: (data: Uint8Array) => string
  /** Sequence number of the first event compaction has not looked at yet. */
  #compactSeq = 0

  constructor(queue: EventQueue, compactor: Compactor) {
    this.#queue = queue
    this.#compactor = compactor
    const pair = compactor.compress !== undefined && compactor.expand !== undefined
    this.#compress = pair ? compactor.compress! : compactor.deflate
    this.#expand = pair ? compactor.expand! : compactor.inflate
    queue.expand = (slot) => this.#expandAt(slot)
  }

  /**
   * Compresses, `blockSize` events at a time, the events queued beyond the first `hot` ones:
   * the next batches stay plain strings, a backlog (PostHog down, a burst) shrinks several times.
   * With `wire`, each block is one whole batch in its wire form (see `WireBlock`), compressed
   * once for both memory and the request; otherwise the stored texts, fast, for memory only.
   * `maxBlocks` bounds one call (the caller continues later). Returns the number of events compacted.
   */
  compact(hot: number, blockSize: number, wire?: WireCompaction, maxBlocks = Number.POSITIVE_INFINITY): number {
    const queue = this.#queue
    if (this.#compactSeq < queue.removed + hot) this.#compactSeq = queue.removed + hot
    // Called after every push of an idle lane's backlog: most calls find no whole block yet.
    if (this.#compactSeq + blockSize > queue.pushed) return 0
    // The packing module loads with the first wire compaction; until then blocks are for memory.
    const pack = wire !== undefined && this.#compactor.pack !== undefined && packing() !== undefined ? this.#compactor.pack : undefined
    let compacted = 0
    const parts: string[] = new Array(blockSize)
    while (this.#compactSeq + blockSize <= queue.pushed && compacted < maxBlocks * blockSize) {
      const first = this.#compactSeq
      const block = (pack !== undefined && this.#wireBlock(first, blockSize, wire!, pack, parts)) || this.#memoryBlock(first, blockSize, parts)
      for (let k = 0; k < blockSize; k++) {
        const at = this.#slotOf(first + k)
        queue.json[at] = undefined
        queue.block[at] = block
        if (block.wire !== undefined) queue.form[at] = SlotForm.Complete
      }
      this.#compactSeq += blockSize
      compacted += blockSize
    }
    return compacted
  }

  /** The wire block that starts at the head, when all of it is still queued and compressed. */
  wireBlockAtHead(): WireBlock | undefined {
    const queue = this.#queue
    if (queue.size === 0 || queue.pendingJson !== undefined) return undefined
    const block = queue.block[queue.head]
    return block?.wire !== undefined && block.firstSeq === queue.removed && block.count <= queue.size ? block.wire : undefined
  }

  /** Reads back the block of the compacted event in `slot`: its still-queued events get their texts again. */
  #expandAt(slot: number): string {
    const queue = this.#queue
    const block = queue.block[slot]!
    // JSON.stringify never emits a raw newline, so it safely separates the events of a block.
    const parts = block.wire !== undefined ? packing()!.wireBlockTexts(block.wire, this.#compactor.inflate) : this.#expand(block.data).split('\n')
    for (let k = 0; k < block.count; k++) {
      const seq = block.firstSeq + k
      if (seq < queue.removed) continue // dropped or sent already
      const at = this.#slotOf(seq)
      if (queue.block[at] === block) {
        queue.json[at] = parts[k]
        queue.block[at] = undefined
      }
    }
    return queue.json[slot]!
  }

  #memoryBlock(first: number, count: number, parts: string[]): CompactBlock {
    const json = this.#queue.json
    for (let k = 0; k < count; k++) parts[k] = json[this.#slotOf(first + k)]!
    return { data: this.#compress(parts.join('\n')), firstSeq: first, count, wire: undefined }
  }

  /** The block as a whole batch in its wire form, or undefined when a batch could not take it whole. */
  #wireBlock(first: number, count: number, wire: WireCompaction, pack: NonNullable<Compactor['pack']>, parts: string[]): CompactBlock | undefined {
    try {
      for (let k = 0; k < count; k++) {
        const text = wire.serialize(this.#queue, this.#slotOf(first + k))
        if (text.length * 3 > wire.maxEventBytes && utf8Length(text) > wire.maxEventBytes) return undefined
        parts[k] = text
      }
    } catch {
      // An event that cannot be completed (a replayed record's bad time): the batch refuses it when taken.
      return undefined
    }
    const block = packing()!.wireBlock(parts, wire.envelope, pack, wire.maxBytes)
    return block === undefined ? undefined : { data: block.data, firstSeq: first, count, wire: block }
  }

  #slotOf(seq: number): number {
    const queue = this.#queue
    const slot = queue.head + (seq - queue.removed)
    return slot >= queue.capacity ? slot - queue.capacity : slot
  }
}
