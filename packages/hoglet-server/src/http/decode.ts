import { isAscii } from 'node:buffer'
import { promisify } from 'node:util'
import { brotliDecompress, gunzip, inflate, type ZlibOptions } from 'node:zlib'
import { HttpError, badRequest } from './errors.js'
import { decompressFromBase64, LzOutputTooLarge, LzStringError } from './lz-string.js'
import { tooLarge } from './read-body.js'

/** What the client told us about the body's encoding. */
export interface EncodingHints {
  /** `Content-Encoding` header. */
  contentEncoding?: string | undefined
  /** `Content-Type` header. */
  contentType?: string | undefined
  /** `?compression=` query parameter (`gzip`, `gzip-js`, `lz64`, `base64`). */
  compression?: string | null | undefined
  /** Legacy capture paths also accept a plain base64 body. */
  allowBase64?: boolean
  /** Cap on the decoded size, like the raw-body cap. */
  limit: number
}

const SMALL_CHUNK = 16 * 1024
const LARGE_CHUNK = 256 * 1024
/** Compressed bodies from this size up inflate in `LARGE_CHUNK` pieces. */
const LARGE_INPUT = 16 * 1024

// Asynchronous zlib runs on libuv's thread pool: the main thread parses and stores one
// request while another request's body is being inflated.
const gunzipAsync = promisify<Buffer, ZlibOptions, Buffer>(gunzip)
const inflateAsync = promisify<Buffer, ZlibOptions, Buffer>(inflate)
const brotliAsync = promisify<Buffer, ZlibOptions, Buffer>(brotliDecompress)

/**
 * Turns a capture or `/flags` body into JSON text, in the order PostHog's capture service
 * applies: form `data=` unwrapping, gzip (hinted or sniffed by magic bytes), deflate/br by
 * header, lz64 by hint, then base64 when the text still looks like base64.
 */
export async function decodeBody(raw: Buffer, hints: EncodingHints): Promise<string> {
  let bytes = raw
  let compression = hints.compression?.toLowerCase() ?? undefined

  if (hints.contentType?.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    const form = new URLSearchParams(bytes.toString('latin1'))
    const data = form.get('data')
    if (data === null) throw badRequest('invalid_payload', 'form body without a `data` field')
    compression = form.get('compression')?.toLowerCase() ?? compression
    // posthog-js base64 form bodies use `+` which URLSearchParams already turned into spaces.
    bytes = Buffer.from(data.replace(/ /g, '+'), 'latin1')
  }

  bytes = await decompress(bytes, hints.contentEncoding?.toLowerCase(), compression, hints.limit)

  if (compression === 'lz64' || compression === 'lz-string') return lz64(bytes.toString('latin1'), hints.limit)

  // Most bodies are all ASCII, and for ASCII bytes a latin1 decode gives the same string by a
  // plain copy: about a fifth of the UTF-8 decode's CPU (0.5 → 0.1 µs per event of a batch).
  let text = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8')
  if ((hints.allowBase64 || compression === 'base64') && looksLikeBase64(text)) {
    text = Buffer.from(text.trim(), 'base64').toString('utf8')
  }
  return text
}

async function decompress(bytes: Buffer, contentEncoding: string | undefined, compression: string | undefined, limit: number): Promise<Buffer> {
  // zlib hands each output chunk from the thread pool back to the main thread: a 5 MiB batch
  // in the default 16 KiB chunks is 320 round trips (about 1 µs of CPU per event), in 256 KiB
  // chunks 20. Small bodies keep the default, so each does not allocate a large buffer.
  const options = { maxOutputLength: limit, chunkSize: bytes.length >= LARGE_INPUT ? LARGE_CHUNK : SMALL_CHUNK }
  try {
    if (compression === 'gzip' || compression === 'gzip-js' || contentEncoding === 'gzip' || isGzip(bytes)) {
      return await gunzipAsync(bytes, { maxOutputLength: limit, chunkSize: gzipChunkSize(bytes, limit) })
    }
    if (contentEncoding === 'deflate') return await inflateAsync(bytes, options)
    if (contentEncoding === 'br') return await brotliAsync(bytes, options)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(limit)
    throw badRequest('invalid_payload', `body could not be decompressed: ${(err as Error).message}`)
  }
  if (contentEncoding && contentEncoding !== 'identity') {
    throw new HttpError(415, 'unsupported_encoding', `unsupported Content-Encoding \`${contentEncoding}\``)
  }
  return bytes
}

/** Every decoder stops at `limit`: zlib through `maxOutputLength`, lz64 by counting as it goes; form and base64 output is never longer than their input, which `readBody` capped. */
function lz64(text: string, limit: number): string {
  try {
    const out = decompressFromBase64(text.trim(), limit)
    if (out === null) throw badRequest('invalid_payload', 'body is not valid lz64')
    return out
  } catch (err) {
    if (err instanceof LzOutputTooLarge) throw tooLarge(limit)
    if (err instanceof LzStringError) throw badRequest('invalid_payload', err.message)
    throw err
  }
}

/** Deflate expands its input at most about this many times. */
const MAX_DEFLATE_RATIO = 1032

/**
 * One output chunk for the whole body when the gzip trailer's size (ISIZE, the last member's
 * length mod 2^32) is believable: a 5 MiB batch then inflates into one buffer, with no
 * pieces handed over one by one and no copy to join them (half the CPU of 256 KiB chunks).
 * The trailer is the client's word only for the buffer's size: a wrong one costs more chunks
 * or a larger allocation (capped by the limit and by what the input can inflate to), never a
 * different result, and `maxOutputLength` still caps the output.
 */
function gzipChunkSize(bytes: Buffer, limit: number): number {
  if (bytes.length < LARGE_INPUT) return SMALL_CHUNK
  const size = bytes.readUInt32LE(bytes.length - 4)
  // +1: a buffer exactly full makes zlib ask for another one before it sees the end.
  return Math.max(LARGE_CHUNK, Math.min(size + 1, limit + 1, bytes.length * MAX_DEFLATE_RATIO))
}

const isGzip = (b: Buffer): boolean => b.length >= 3 && b[0] === 0x1f && b[1] === 0x8b && b[2] === 0x08

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/

/** JSON never matches: it starts with `{`, `[` or `"`. */
function looksLikeBase64(text: string): boolean {
  const t = text.trim()
  return t.length >= 4 && t.length % 4 === 0 && BASE64.test(t)
}
