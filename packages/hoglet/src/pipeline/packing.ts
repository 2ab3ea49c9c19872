import type { BatchEnvelope } from './batch-envelope.js'
import { crc32 } from './crc32.js'
import type { PackedBatch, WireBlock } from './wire-block.js'

/*
 * Packed batches (see `wire-block.ts`): building a wire block, reading its texts back, and
 * the gzip body around one. Loaded on the first compaction of a lane that is sending, so
 * importing hoglet and capturing without a backlog never load it.
 */


/** Deflate of nothing, final: appended to a block's data to inflate it on its own. */
const FINAL_EMPTY_BLOCK = Uint8Array.of(0x01, 0x00, 0x00, 0xff, 0xff)

/** The events' texts of a wire block (a 413 split, events held after a network failure, the `flush` event). */
export function wireBlockTexts(block: WireBlock, inflate: (data: Uint8Array) => string): string[] {
  const data = new Uint8Array(block.data.length + FINAL_EMPTY_BLOCK.length)
  data.set(block.data)
  data.set(FINAL_EMPTY_BLOCK, block.data.length)
  const text = inflate(data)
  const texts: string[] = new Array(block.lengths.length)
  let at = block.offset
  for (let k = 0; k < block.lengths.length; k++) {
    texts[k] = text.slice(at, at + block.lengths[k])
    at += block.lengths[k] + 1 // the comma
  }
  return texts
}

/** A batch taken from the queue as one wire block. */
export function packedBatch(block: WireBlock, inflate: (data: Uint8Array) => string): PackedBatch {
  return { block, length: block.lengths.length, texts: () => wireBlockTexts(block, inflate) }
}

/**
 * The block of one whole batch's wire `texts` inside `envelope`, or undefined when the runtime
 * cannot pack it or it is over `maxBytes` (UTF-8) in all.
 */
export function wireBlock(
  texts: string[],
  envelope: BatchEnvelope,
  pack: (text: string) => { data: Uint8Array; crc: number; bytes: number } | undefined,
  maxBytes: number,
): WireBlock | undefined {
  const packed = pack(envelope.opening + texts.join(',') + envelope.closing)
  if (packed === undefined || packed.bytes > maxBytes) return undefined
  const lengths = new Uint32Array(texts.length)
  for (let k = 0; k < texts.length; k++) lengths[k] = texts[k].length
  return { data: packed.data, crc: packed.crc, bytes: packed.bytes, offset: envelope.opening.length, lengths }
}

// ID1 ID2, deflate, no flags, no mtime, no extra flags, OS unix: what node:zlib's gzip writes.
const GZIP_HEADER = Uint8Array.of(0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03)

/**
 * A single-member gzip body: the block's deflate data as it is, then `tail` (the send time
 * and `"}`, at most 64 KiB) in a final stored block, and the trailer (CRC-32 continued from
 * the block's, total length).
 */
export function packedGzipBody(block: WireBlock, tail: Uint8Array): Uint8Array {
  const length = tail.length
  const out = new Uint8Array(GZIP_HEADER.length + block.data.length + 5 + length + 8)
  out.set(GZIP_HEADER)
  out.set(block.data, GZIP_HEADER.length)
  let at = GZIP_HEADER.length + block.data.length
  out[at] = 1 // final, stored
  out[at + 1] = length & 0xff
  out[at + 2] = length >>> 8
  out[at + 3] = ~length & 0xff
  out[at + 4] = (~length >>> 8) & 0xff
  out.set(tail, at + 5)
  at += 5 + length
  const crc = crc32(tail, block.crc)
  const size = (block.bytes + length) >>> 0
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
