import { utf8Length } from '../event.js'
import { packing, type WireBlock } from './packed-batch.js'
import type { BatchEnvelope } from './batch-envelope.js'

/** The scope the context module hands to event building (immutable). */
export interface ScopeLike {
  readonly sessionId?: string
  readonly properties?: Readonly<Record<string, unknown>>
}

/** How the JSON text in a slot is completed at batch time. */
export const enum SlotForm {
  /** Append hoglet's `$lib` properties (with the client's `$geoip_disable` default) and the timestamp. */
  Default = 0,
  /** As Default, with `$geoip_disable: true` whatever the client default. */
  GeoipDisabled = 1,
  /** As Default, without `$geoip_disable`. */
  GeoipEnabled = 2,
  /** The text is already the complete wire event (before_send and other slow paths). */
  Complete = 3,
}

/** A runtime's fast synchronous compression (`Runtime.compactor`), used to compact a queue backlog. */
export interface Compactor {
  /** Raw deflate ended by a flush; memory blocks use it when `compress` and `expand` are not both given. */
  deflate: (text: string) => Uint8Array
  /** Raw deflate ended by a flush (`deflate`'s, or a packed block's, below) back to its text. */
  inflate: (data: Uint8Array) => string
  /** A memory block in whatever format the runtime compresses fastest: only `expand` reads it back. */
  compress?: (text: string) => Uint8Array
  expand?: (data: Uint8Array) => string
  /**
   * Raw deflate at the request body's gzip level, ended by a sync flush (byte-aligned, not
   * final), with the text's CRC-32 and UTF-8 length: a backlog compacted this way is put in
   * the gzipped request body as it is.
   */
  pack?: (text: string) => { data: Uint8Array; crc: number; bytes: number } | undefined
}

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

/** Consecutive queued events compressed together; each of their slots points here. */
interface CompactBlock {
  readonly data: Uint8Array
  readonly firstSeq: number
  readonly count: number
  /** Set when the block holds the events' wire texts as one batch (their forms are then Complete). */
  readonly wire: WireBlock | undefined
}

/**
 * A fixed-capacity ring buffer of events, each already JSON.
 *
 * Why JSON at capture time: the caller's property objects become garbage at once (young
 * generation, cheap), later mutations cannot change a queued event, a circular, BigInt or
 * oversize event is refused while the caller still gets `undefined` back, and building a
 * batch is just joining strings. Each slot holds one flat string (the event without its
 * constant `$lib` properties and timestamp, which are appended at batch time), the capture
 * time in a Float64Array and one form byte: no per-event objects at all.
 */
export class EventQueue {
  readonly capacity: number
  readonly json: Array<string | undefined> = []
  /** For a compacted event (`json[slot]` undefined), the block that holds its JSON. */
  readonly block: Array<CompactBlock | undefined> = []
  readonly #compactor: Compactor | undefined
  /** How memory blocks are compressed and read back: the runtime's pair, else its deflate. */
  readonly #compress: ((text: string) => Uint8Array) | undefined
  readonly #expand: ((data: Uint8Array) => string) | undefined
  /** Sequence number of the first event compaction has not looked at yet. */
  #compactSeq = 0
  time: Float64Array
  form: Uint8Array
  /** JSON of the head event when a batch had to leave it for the next one (byte cap). */
  pendingJson: string | undefined = undefined
  head = 0
  size = 0
  /** Events ever pushed; the sequence number of the next one. */
  pushed = 0
  /** Events that left the queue (taken for sending or dropped as oldest). */
  removed = 0

  constructor(capacity: number, compactor?: Compactor) {
    this.capacity = capacity
    this.#compactor = compactor
    const pair = compactor?.compress !== undefined && compactor.expand !== undefined
    this.#compress = pair ? compactor.compress : compactor?.deflate
    this.#expand = pair ? compactor.expand : compactor?.inflate
    // Typed columns grow by doubling up to `capacity`: a huge maxQueueSize costs nothing up front.
    const initial = Math.min(capacity, 1024)
    this.time = new Float64Array(initial)
    this.form = new Uint8Array(initial)
  }

  /** Queues one event; returns false when the queue is full (the caller makes room first). */
  push(json: string, time: number, form: SlotForm): boolean {
    if (this.size === this.capacity) return false
    let slot = this.head + this.size
    if (slot >= this.capacity) slot -= this.capacity
    if (slot >= this.time.length) this.#grow()
    this.json[slot] = json
    this.time[slot] = time
    this.form[slot] = form
    this.size++
    this.pushed++
    return true
  }

  /** Drops the oldest event (queue full). */
  dropOldest(): void {
    this.pendingJson = undefined
    this.shift()
  }

  /** Removes the head event after it was taken into a batch (or refused). */
  shift(): void {
    this.json[this.head] = undefined
    this.block[this.head] = undefined
    this.head = this.head + 1 === this.capacity ? 0 : this.head + 1
    this.size--
    this.removed++
  }

  /** The JSON of the event in `slot`, inflating its compacted block first when needed. */
  jsonAt(slot: number): string {
    const json = this.json[slot]
    if (json !== undefined) return json
    const block = this.block[slot]!
    // JSON.stringify never emits a raw newline, so it safely separates the events of a block.
    const parts = block.wire !== undefined ? packing()!.wireBlockTexts(block.wire, this.#compactor!.inflate) : this.#expand!(block.data).split('\n')
    for (let k = 0; k < block.count; k++) {
      const seq = block.firstSeq + k
      if (seq < this.removed) continue // dropped or sent already
      const at = this.#slotOf(seq)
      if (this.block[at] === block) {
        this.json[at] = parts[k]
        this.block[at] = undefined
      }
    }
    return this.json[slot]!
  }

  /**
   * Compresses, `blockSize` events at a time, the events queued beyond the first `hot` ones:
   * the next batches stay plain strings, a backlog (PostHog down, a burst) shrinks several times.
   * With `wire`, each block is one whole batch in its wire form (see `WireBlock`), compressed
   * once for both memory and the request; otherwise the stored texts, fast, for memory only.
   * `maxBlocks` bounds one call (the caller continues later). Returns the number of events compacted.
   */
  compact(hot: number, blockSize: number, wire?: WireCompaction, maxBlocks = Number.POSITIVE_INFINITY): number {
    const compactor = this.#compactor
    if (compactor === undefined) return 0
    if (this.#compactSeq < this.removed + hot) this.#compactSeq = this.removed + hot
    // Called after every push of an idle lane's backlog: most calls find no whole block yet.
    if (this.#compactSeq + blockSize > this.pushed) return 0
    // The packing module loads with the first wire compaction; until then blocks are for memory.
    const pack = wire !== undefined && compactor.pack !== undefined && packing() !== undefined ? compactor.pack : undefined
    let compacted = 0
    const parts: string[] = new Array(blockSize)
    while (this.#compactSeq + blockSize <= this.pushed && compacted < maxBlocks * blockSize) {
      const first = this.#compactSeq
      const block = (pack !== undefined && this.#wireBlock(first, blockSize, wire!, pack, parts)) || this.#memoryBlock(first, blockSize, parts)
      for (let k = 0; k < blockSize; k++) {
        const at = this.#slotOf(first + k)
        this.json[at] = undefined
        this.block[at] = block
        if (block.wire !== undefined) this.form[at] = SlotForm.Complete
      }
      this.#compactSeq += blockSize
      compacted += blockSize
    }
    return compacted
  }

  #memoryBlock(first: number, count: number, parts: string[]): CompactBlock {
    for (let k = 0; k < count; k++) parts[k] = this.json[this.#slotOf(first + k)]!
    return { data: this.#compress!(parts.join('\n')), firstSeq: first, count, wire: undefined }
  }

  /** The block as a whole batch in its wire form, or undefined when a batch could not take it whole. */
  #wireBlock(first: number, count: number, wire: WireCompaction, pack: NonNullable<Compactor['pack']>, parts: string[]): CompactBlock | undefined {
    try {
      for (let k = 0; k < count; k++) {
        const text = wire.serialize(this, this.#slotOf(first + k))
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

  /** The wire block that starts at the head, when all of it is still queued and compressed. */
  wireBlockAtHead(): WireBlock | undefined {
    if (this.size === 0 || this.pendingJson !== undefined) return undefined
    const block = this.block[this.head]
    return block?.wire !== undefined && block.firstSeq === this.removed && block.count <= this.size ? block.wire : undefined
  }

  #slotOf(seq: number): number {
    const slot = this.head + (seq - this.removed)
    return slot >= this.capacity ? slot - this.capacity : slot
  }

  // Slots are filled contiguously from 0 until the buffer first wraps, so growing is a plain copy.
  #grow(): void {
    const length = Math.min(this.capacity, this.time.length * 2)
    const time = new Float64Array(length)
    time.set(this.time)
    const form = new Uint8Array(length)
    form.set(this.form)
    this.time = time
    this.form = form
  }
}
