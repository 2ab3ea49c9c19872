import type { WireBlock } from './wire-block.js'

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

/** Consecutive queued events compressed together (see queue-compaction.ts); each of their slots points here. */
export interface CompactBlock {
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
  /** Reads a compacted event's block back (set by the queue's compaction, when it has one). */
  expand: ((slot: number) => string) | undefined = undefined
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

  constructor(capacity: number) {
    this.capacity = capacity
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
    return this.json[slot] ?? this.expand!(slot)
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
