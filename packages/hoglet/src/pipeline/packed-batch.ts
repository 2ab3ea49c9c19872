import { crc32, crc32Combine } from './crc32.js'

/**
 * One batch of queued events compressed once, in its wire form, while the queue was compacted
 * (see `EventQueue.compact`): the events' texts joined by commas, raw-deflated at the request
 * body's gzip level and ended by a sync flush (byte-aligned, not final), so the request body is
 * this data between a few bytes the sender writes itself, with no second compression.
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

/** Deflate of nothing, final: appended to a block's data to inflate it on its own. */
const FINAL_EMPTY_BLOCK = Uint8Array.of(0x01, 0x00, 0x00, 0xff, 0xff)

/** The events' texts of a wire block (a 413 split, events held after a network failure, the `flush` event). */
export function wireBlockTexts(block: WireBlock, inflate: (data: Uint8Array) => string): string[] {
  const data = new Uint8Array(block.data.length + FINAL_EMPTY_BLOCK.length)
  data.set(block.data)
  data.set(FINAL_EMPTY_BLOCK, block.data.length)
  const text = inflate(data)
  const texts: string[] = new Array(block.lengths.length)
  let at = 0
  for (let k = 0; k < block.lengths.length; k++) {
    texts[k] = text.slice(at, at + block.lengths[k])
    at += block.lengths[k] + 1 // the comma
  }
  return texts
}

/** A batch taken from the queue as one wire block; `length` is its number of events, as for an array of texts. */
export class PackedBatch {
  readonly block: WireBlock
  readonly #inflate: (data: Uint8Array) => string

  constructor(block: WireBlock, inflate: (data: Uint8Array) => string) {
    this.block = block
    this.#inflate = inflate
  }

  get length(): number {
    return this.block.lengths.length
  }

  texts(): string[] {
    return wireBlockTexts(this.block, this.#inflate)
  }
}

/** The texts of a batch, whichever form it has. */
export function batchTexts(batch: readonly string[] | PackedBatch): string[] {
  return batch instanceof PackedBatch ? batch.texts() : (batch as string[])
}

// ID1 ID2, deflate, no flags, no mtime, no extra flags, OS unix: what node:zlib's gzip writes.
const GZIP_HEADER = Uint8Array.of(0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03)
/** The longest text a stored deflate block holds. */
export const MAX_STORED_BYTES = 0xffff

function writeStoredBlock(out: Uint8Array, at: number, bytes: Uint8Array, final: boolean): number {
  const length = bytes.length
  out[at] = final ? 1 : 0
  out[at + 1] = length & 0xff
  out[at + 2] = length >>> 8
  out[at + 3] = ~length & 0xff
  out[at + 4] = (~length >>> 8) & 0xff
  out.set(bytes, at + 5)
  return at + 5 + length
}

/**
 * A single-member gzip body `prefix + block's texts + suffix`: the prefix and suffix (the
 * envelope, at most 64 KiB each) go in stored deflate blocks, the events are the block's
 * deflate data as it is, and the trailer's CRC-32 is combined from the three parts' CRCs.
 */
export function packedGzipBody(prefix: Uint8Array, prefixCrc: number, block: WireBlock, suffix: Uint8Array): Uint8Array {
  const out = new Uint8Array(GZIP_HEADER.length + 5 + prefix.length + block.data.length + 5 + suffix.length + 8)
  out.set(GZIP_HEADER)
  let at = writeStoredBlock(out, GZIP_HEADER.length, prefix, false)
  out.set(block.data, at)
  at = writeStoredBlock(out, at + block.data.length, suffix, true)
  const crc = crc32(suffix, crc32Combine(prefixCrc, block.crc, block.bytes))
  const size = (prefix.length + block.bytes + suffix.length) >>> 0
  out[at] = crc & 0xff
  out[at + 1] = (crc >>> 8) & 0xff
  out[at + 2] = (crc >>> 16) & 0xff
  out[at + 3] = crc >>> 24
  out[at + 4] = size & 0xff
  out[at + 5] = (size >>> 8) & 0xff
  out[at + 6] = (size >>> 16) & 0xff
  out[at + 7] = size >>> 24
  return out
}
