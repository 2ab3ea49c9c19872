import { nodeBuiltin } from './node-builtins.js'

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
      return new Uint8Array(zlib.brotliCompressSync(input, options))
    },
    expand(data) {
      // A block is only expanded by the process that compressed it, so `brotli` is settled here.
      return brotli ? zlibOf().brotliDecompressSync(data).toString('utf8') : fallback.expand(data)
    },
  }
}
