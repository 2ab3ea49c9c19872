import { nodeBuiltin } from './node-builtins.js'
import { createOutputBuffer } from './output-buffer.js'

/**
 * Compression of the queue's memory blocks (a backlog's texts kept compressed until they are
 * sent): only this process reads them back, so the format is whichever costs capture() least.
 *
 * Brotli at quality 0 compresses a block of 128 typical events in about 60 % of the CPU of
 * deflate level 1 through a kept-open stream, for about 15 % more bytes (47 against 40 B per
 * event): capture() pays the compression, a backlog pays the bytes, and the bytes are still a
 * seventh of the text. Where node:zlib has no brotli, or a sample does not come back whole
 * (a runtime's partial Node compatibility), blocks are deflated as before.
 */
export interface MemoryCodec {
  compress(input: Uint8Array): Uint8Array
  expand(data: Uint8Array): string
}

type Zlib = typeof import('node:zlib')

/**
 * `fallback`: the runtime's raw deflate pair, used when brotli is not. `zlib` is read on first
 * use (node:zlib is not loaded at import); tests hand in a partial one.
 */
export function createMemoryCodec(fallback: MemoryCodec, zlibOf: () => Zlib = () => nodeBuiltin('node:zlib')): MemoryCodec {
  let brotli: boolean | undefined
  let options: import('node:zlib').BrotliOptions | undefined
  // undefined: not opened yet; null: the handle cannot be driven here (brotliCompressSync then).
  let encoder: BrotliEncoder | undefined | null
  const useBrotli = (): boolean => {
    if (brotli !== undefined) return brotli
    const zlib = zlibOf()
    try {
      const c = zlib.constants
      options = {
        params: {
          [c.BROTLI_PARAM_QUALITY]: 0,
          [c.BROTLI_PARAM_MODE]: c.BROTLI_MODE_TEXT,
          // 128 KiB: a block's events repeat each other's keys within a few hundred bytes.
          [c.BROTLI_PARAM_LGWIN]: 17,
        },
      }
      const sample = `{"event":"self-check","n":${Math.random()}}\n{"event":"self-check"}`
      brotli = typeof zlib.brotliCompressSync === 'function' && zlib.brotliDecompressSync(zlib.brotliCompressSync(sample, options)).toString('utf8') === sample
    } catch {
      brotli = false
    }
    return brotli
  }
  return {
    compress(input) {
      if (!useBrotli()) return fallback.compress(input)
      const zlib = zlibOf()
      options!.params![zlib.constants.BROTLI_PARAM_SIZE_HINT] = input.length
      if (encoder === undefined) encoder = openEncoder(zlib, options!.params!)
      if (encoder !== null) {
        const data = encoder.encode(input)
        if (data !== undefined) return data
        if (encoder.broken) encoder = null // its state is unknown now: never used again
      }
      return new Uint8Array(zlib.brotliCompressSync(input, options))
    },
    expand(data) {
      // A block is only expanded by the process that compressed it, so `brotli` is settled here.
      return brotli ? zlibOf().brotliDecompressSync(data).toString('utf8') : fallback.expand(data)
    },
  }
}

/**
 * One brotli encoder handle, set up again for each block. `brotliCompressSync` builds a stream
 * object and its native encoder for every call, a fixed cost (about 45 µs for a 128-event block,
 * of which the compression itself is about 12): re-initialising one handle costs about 30. As
 * with node-deflater.ts, node:zlib has no public call for it, so the handle is driven the way
 * node:zlib's own synchronous path drives it (`init` as its constructor calls it, then
 * `writeSync` with `_writeState`), checked once on a sample; anything else and every block goes
 * through `brotliCompressSync`, with the same output.
 */
interface BrotliEncoder {
  /** The block's brotli stream, a copy the caller owns; undefined when this block did not go through. */
  encode(input: Uint8Array): Uint8Array | undefined
  /** True once the handle failed (an error or a throw): it is not used again. */
  readonly broken: boolean
}

interface BrotliHandle {
  init(params: Uint32Array, writeState: Uint32Array, processCallback: () => void): void
  writeSync(flush: number, input: Uint8Array, inOffset: number, inLength: number, output: Uint8Array, outOffset: number, outLength: number): void
}

function openEncoder(zlib: Zlib, params: Record<number, number | boolean>): BrotliEncoder | null {
  try {
    const c = zlib.constants
    const stream = zlib.createBrotliCompress({ params })
    // An error destroys the stream and emits 'error': seen by the check after each write, not thrown later.
    stream.on('error', () => undefined)
    const engine = stream as unknown as { _handle?: BrotliHandle; _writeState?: unknown; destroyed: boolean }
    const handle = engine._handle
    const state = engine._writeState
    if (handle === undefined || typeof handle.init !== 'function' || typeof handle.writeSync !== 'function' || !(state instanceof Uint32Array) || state.length < 2) return null
    // The parameter array node:zlib hands `init`: one slot per BROTLI_PARAM_* index, unset ones all ones.
    const slots = Math.max(...Object.keys(c).filter((name) => name.startsWith('BROTLI_PARAM_')).map((name) => c[name as keyof typeof c] as number)) + 1
    const array = new Uint32Array(slots).fill(0xffffffff)
    for (const [index, value] of Object.entries(params)) array[Number(index)] = Number(value)
    const outputFor = createOutputBuffer()
    let threw = false
    const encoder: BrotliEncoder = {
      get broken() {
        return threw || engine.destroyed
      },
      encode(input) {
        array[c.BROTLI_PARAM_SIZE_HINT] = input.length
        const room = input.length + (input.length >>> 10) + 1024
        const buffer = outputFor(room)
        try {
          handle.init(array, state, noop)
          handle.writeSync(c.BROTLI_OPERATION_FINISH, input, 0, input.length, buffer, 0, buffer.length)
          // All input taken and output room left over: the stream is finished. Out of room (an
          // incompressible block): this block goes through brotliCompressSync, the next init starts afresh.
          if (engine.destroyed || state[1] !== 0 || state[0] === 0) return undefined
          return new Uint8Array(buffer.subarray(0, buffer.length - state[0]))
        } catch {
          threw = true
          return undefined
        }
      },
    }
    const sample = new TextEncoder().encode(`{"event":"self-check","n":${Math.random()}}\n{"event":"self-check"}`)
    const data = encoder.encode(sample)
    return data !== undefined && Buffer.from(zlib.brotliDecompressSync(data)).equals(Buffer.from(sample)) ? encoder : null
  } catch {
    return null
  }
}

function noop(): void {}
