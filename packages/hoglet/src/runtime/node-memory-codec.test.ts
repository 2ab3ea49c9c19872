import { describe, expect, it } from 'vitest'
import { EventEmitter } from 'node:events'
import * as zlib from 'node:zlib'
import { createDeflater } from './node-deflater.js'
import { createMemoryCodec } from './node-memory-codec.js'

const deflater = createDeflater(1)
const deflateFallback = {
  compress: (input: Uint8Array) => deflater.deflate(input),
  expand: (data: Uint8Array) => zlib.inflateRawSync(data, { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString('utf8'),
}

const block = (n: number): string =>
  Array.from({ length: n }, (_, i) => JSON.stringify({ event: 'page viewed', distinct_id: `user-${i}`, properties: { path: '/pricing', note: 'é vent 日本'.repeat(i % 5), i } })).join('\n')

describe('createMemoryCodec', () => {
  it('compresses blocks with brotli where node:zlib has it, and reads every block back whole, in any order', () => {
    const codec = createMemoryCodec(deflateFallback)
    const texts = [block(128), block(1), block(0), block(500), 'x'.repeat(300_000)]
    const data = texts.map((text) => codec.compress(Buffer.from(text)))
    // A brotli stream, not raw deflate: brotli's own decoder reads it.
    expect(zlib.brotliDecompressSync(data[0]).toString('utf8')).toBe(texts[0])
    for (const k of [3, 0, 4, 1, 2]) expect(codec.expand(data[k])).toBe(texts[k])
    expect(data[0].length).toBeLessThan(texts[0].length / 5)
  })

  it('deflates instead where node:zlib has no brotli (partial Node compatibility)', () => {
    const { brotliCompressSync: _missing, ...withoutBrotli } = zlib
    const codec = createMemoryCodec(deflateFallback, () => withoutBrotli as typeof zlib)
    const text = block(128)
    const data = codec.compress(Buffer.from(text))
    expect(zlib.inflateRawSync(data, { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString('utf8')).toBe(text)
    expect(codec.expand(data)).toBe(text)
  })

  it('deflates instead where brotli does not give its sample back', () => {
    const broken = { ...zlib, brotliDecompressSync: () => Buffer.from('something else') }
    const codec = createMemoryCodec(deflateFallback, () => broken as unknown as typeof zlib)
    const text = block(10)
    const data = codec.compress(Buffer.from(text))
    expect(zlib.inflateRawSync(data, { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString('utf8')).toBe(text)
    expect(codec.expand(data)).toBe(text)
  })

  it('drives one encoder handle for every block, with the bytes brotliCompressSync gives', () => {
    const calls = { streams: 0, compressSync: 0 }
    const counted = {
      ...zlib,
      createBrotliCompress: (options?: zlib.BrotliOptions) => (calls.streams++, zlib.createBrotliCompress(options)),
      brotliCompressSync: (input: zlib.InputType, options?: zlib.BrotliOptions) => (calls.compressSync++, zlib.brotliCompressSync(input, options)),
    }
    const codec = createMemoryCodec(deflateFallback, () => counted as unknown as typeof zlib)
    const texts = [block(128), block(3), block(700), block(128)]
    const data = texts.map((text) => codec.compress(Buffer.from(text)))
    expect(calls.streams).toBe(1)
    expect(calls.compressSync).toBe(1) // brotli's own self-check, before the first block
    const c = zlib.constants
    for (let k = 0; k < texts.length; k++) {
      const input = Buffer.from(texts[k])
      const params = { [c.BROTLI_PARAM_QUALITY]: 0, [c.BROTLI_PARAM_MODE]: c.BROTLI_MODE_TEXT, [c.BROTLI_PARAM_LGWIN]: 17, [c.BROTLI_PARAM_SIZE_HINT]: input.length }
      expect(Buffer.from(data[k]).equals(zlib.brotliCompressSync(input, { params }))).toBe(true)
      expect(codec.expand(data[k])).toBe(texts[k])
    }
  })

  it('compresses each block with brotliCompressSync where the handle cannot be driven (another runtime)', () => {
    let compressSync = 0
    const opaque = {
      ...zlib,
      // A stream without node:zlib's internals, as another runtime's compatibility layer may give.
      createBrotliCompress: () => Object.assign(new EventEmitter(), { destroyed: false }),
      brotliCompressSync: (input: zlib.InputType, options?: zlib.BrotliOptions) => (compressSync++, zlib.brotliCompressSync(input, options)),
    }
    const codec = createMemoryCodec(deflateFallback, () => opaque as unknown as typeof zlib)
    const texts = [block(128), block(20)]
    const data = texts.map((text) => codec.compress(Buffer.from(text)))
    expect(compressSync).toBe(1 + texts.length)
    for (let k = 0; k < texts.length; k++) {
      expect(zlib.brotliDecompressSync(data[k]).toString('utf8')).toBe(texts[k])
      expect(codec.expand(data[k])).toBe(texts[k])
    }
  })
})
