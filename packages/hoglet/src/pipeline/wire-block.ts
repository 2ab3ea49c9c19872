/**
 * Packed batches: when a lane compacts its backlog while it is sending, each block is one whole
 * batch in its wire form, the events' texts joined by commas, raw-deflated at the request
 * body's gzip level and ended by a sync flush (byte-aligned, not final). The sender puts that
 * data in the gzip body as it is, between a few bytes it writes itself: no event is serialised
 * or compressed twice. The code for it (`packing.ts`) loads with the first such compaction.
 */
export interface WireBlock {
  /** Raw deflate of the joined texts, ending with a sync flush. */
  readonly data: Uint8Array
  /** CRC-32 of the joined texts (UTF-8). */
  readonly crc: number
  /** UTF-8 length of the joined texts. */
  readonly bytes: number
  /** Each event's text length (UTF-16 code units), in order. */
  readonly lengths: Uint32Array
}

/** A batch taken from the queue as one wire block; `length` is its number of events, as for an array of texts. */
export interface PackedBatch {
  readonly block: WireBlock
  readonly length: number
  /** The events' texts (a 413 split, events held after a network failure, the `flush` event). */
  texts(): string[]
}
