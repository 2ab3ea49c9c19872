import { nodeBuiltin } from './node-builtins.js'
import { createOutputBuffer } from './output-buffer.js'

/**
 * Synchronous raw deflate through one zlib stream kept open, each call ended by a full flush
 * (byte-aligned, not final, dictionary reset: every call's output inflates on its own).
 *
 * `zlib.deflateRawSync` builds a stream, sets up zlib's 256 KiB of state and closes it again on
 * every call; for the 50–60 KB blocks a queue is compacted in, that set-up is a sixth of the
 * cost at level 6. node:zlib has no public synchronous call that leaves a stream open, so this
 * drives the stream's handle the way node:zlib's own synchronous path does (`_handle.writeSync`
 * with `_writeState`), checked once; where that is not there or fails (Bun, Deno, a future
 * Node), every call goes through `deflateRawSync` instead, with the same output format.
 */

interface ZlibHandle {
  writeSync(flush: number, input: Uint8Array, inOffset: number, inLength: number, output: Uint8Array, outOffset: number, outLength: number): void
}

interface OpenStream {
  readonly engine: { readonly destroyed: boolean }
  readonly handle: ZlibHandle
  /** `[output bytes left, input bytes left]` after each `writeSync`. */
  readonly state: Uint32Array
}

type Zlib = ReturnType<typeof nodeBuiltin<'node:zlib'>>

export interface Deflater {
  /** The raw deflate of `input`, ended by a full flush; a copy the caller owns. */
  deflate(input: Uint8Array): Uint8Array
  /** True while calls go through the one open stream (false before the first call and after a fallback). */
  readonly streaming: boolean
}

export function createDeflater(level: number): Deflater {
  let stream: OpenStream | undefined | null // null: the open stream is not usable here
  const outputFor = createOutputBuffer()
  const fallback = (input: Uint8Array): Uint8Array => {
    const zlib = nodeBuiltin('node:zlib')
    return new Uint8Array(zlib.deflateRawSync(input, { level, finishFlush: zlib.constants.Z_FULL_FLUSH }))
  }
  return {
    get streaming() {
      return stream !== undefined && stream !== null
    },
    deflate(input) {
      if (stream === undefined) stream = open(level)
      if (stream === null) return fallback(input)
      const zlib = nodeBuiltin('node:zlib')
      // Deflate never grows data by much: input plus a little per 16 KiB stored block.
      const room = input.length + (input.length >>> 10) + 64
      const buffer = outputFor(room)
      try {
        const block = flushBlock(stream, zlib, input, buffer)
        if (block === undefined) throw new Error('zlib did not finish the block')
        return new Uint8Array(block)
      } catch {
        // The stream's state is unknown now: never use it again.
        stream = null
        return fallback(input)
      }
    },
  }
}

function open(level: number): OpenStream | null {
  try {
    const zlib = nodeBuiltin('node:zlib')
    const stream = zlib.createDeflateRaw({ level })
    // An error destroys the stream and emits 'error': seen by the check after each write, not thrown later.
    stream.on('error', () => undefined)
    const engine = stream as unknown as { _handle?: ZlibHandle; _writeState?: unknown; destroyed: boolean }
    const handle = engine._handle
    const state = engine._writeState
    if (handle === undefined || typeof handle.writeSync !== 'function' || !(state instanceof Uint32Array) || state.length < 2) return null
    const opened = { engine, handle, state }
    return roundTrips(opened, zlib) ? opened : null
  } catch {
    return null
  }
}

/**
 * Deflates `input` into `output` through the open stream, ended by a full flush; the part of
 * `output` written, or undefined when the flush did not complete. A zlib error destroys the
 * stream (node:zlib's error callback); otherwise all input taken and output room left over mean
 * the flush is complete.
 */
function flushBlock(stream: OpenStream, zlib: Zlib, input: Uint8Array, output: Buffer): Buffer | undefined {
  stream.handle.writeSync(zlib.constants.Z_FULL_FLUSH, input, 0, input.length, output, 0, output.length)
  const outLeft = stream.state[0]
  if (stream.engine.destroyed || stream.state[1] !== 0 || outLeft === 0) return undefined
  return output.subarray(0, output.length - outLeft)
}

/**
 * The handle is not public API: before any event goes through it, one sample must come back
 * whole through inflate, so a runtime whose handle behaves otherwise falls back instead of
 * keeping damaged blocks.
 */
export function roundTrips(stream: OpenStream, zlib: Zlib): boolean {
  try {
    const sample = new TextEncoder().encode(`{"event":"self-check","n":${Math.random()}}`)
    const block = flushBlock(stream, zlib, sample, Buffer.allocUnsafe(sample.length + 64))
    if (block === undefined || block.length === 0) return false
    const back = zlib.inflateRawSync(block, { finishFlush: zlib.constants.Z_SYNC_FLUSH })
    return Buffer.from(back).equals(Buffer.from(sample))
  } catch {
    return false
  }
}
