/**
 * Packed batches: when a lane compacts its backlog while it is sending, each block is one whole
 * request body but its send time: the envelope's opening, the events' texts joined by commas and
 * the envelope's closing up to `"sent_at":"`, raw-deflated at the request body's gzip level and
 * ended by a sync flush (byte-aligned, not final). The sender puts that data in the gzip body as
 * it is and adds the time itself: no event is serialised or compressed twice. The code for it (`packing.ts`) loads with the first such compaction.
 */
export interface WireBlock {
  /** Raw deflate of the text, ending with a sync flush. */
  readonly data: Uint8Array
  /** CRC-32 of the text (UTF-8). */
  readonly crc: number
  /** UTF-8 length of the text. */
  readonly bytes: number
  /** Where the first event's text starts (UTF-16 code units: the opening's length). */
  readonly offset: number
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
