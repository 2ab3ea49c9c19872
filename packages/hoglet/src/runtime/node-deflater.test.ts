import { describe, expect, it } from 'vitest'
import { constants, inflateRawSync } from 'node:zlib'
import { randomBytes } from 'node:crypto'
import * as zlib from 'node:zlib'
import { createDeflater, roundTrips } from './node-deflater.js'

const inflate = (data: Uint8Array): string => inflateRawSync(data, { finishFlush: constants.Z_SYNC_FLUSH }).toString('utf8')

describe('createDeflater', () => {
  it('gives blocks that each inflate on their own, however many came before', () => {
    const deflater = createDeflater(1)
    const texts = Array.from({ length: 50 }, (_, i) => JSON.stringify({ i, s: 'é vent 日本'.repeat(i * 37), pad: 'x'.repeat(i * 1000) }))
    const blocks = texts.map((text) => deflater.deflate(Buffer.from(text)))
    // Out of order: no block depends on the one before it.
    for (const k of [49, 0, 17, 3, 48]) expect(inflate(blocks[k])).toBe(texts[k])
    // Node's own zlib: one stream served every call, none fell back to deflateRawSync.
    expect(deflater.streaming).toBe(true)
  })

  it('ends each block with a flush, not a final block, so blocks concatenate into one stream', () => {
    const deflater = createDeflater(-1)
    const a = deflater.deflate(Buffer.from('{"a":1},'))
    const b = deflater.deflate(Buffer.from('{"b":2}'))
    // A sync or full flush ends with an empty stored block: 00 00 ff ff.
    expect([...a.subarray(-4)]).toEqual([0, 0, 0xff, 0xff])
    expect(inflate(Buffer.concat([a, b]))).toBe('{"a":1},{"b":2}')
  })

  it('handles data that does not compress, and inputs larger than the output buffer it keeps', () => {
    const deflater = createDeflater(6)
    for (const size of [0, 1, 70_000, 300_000, 1_200_000]) {
      const data = randomBytes(size)
      expect(Buffer.from(inflateRawSync(deflater.deflate(data), { finishFlush: constants.Z_SYNC_FLUSH })).equals(data)).toBe(true)
    }
  })

  it('compresses as well as a fresh deflateRawSync at the same level', async () => {
    const { deflateRawSync } = await import('node:zlib')
    const text = Buffer.from(Array.from({ length: 100 }, (_, i) => JSON.stringify({ event: 'page viewed', distinct_id: `user-${i}`, properties: { i } })).join(','))
    const deflater = createDeflater(-1)
    deflater.deflate(Buffer.from('warm the stream up first'))
    const reused = deflater.deflate(text).length
    const fresh = deflateRawSync(text, { finishFlush: constants.Z_SYNC_FLUSH }).length
    expect(Math.abs(reused - fresh)).toBeLessThanOrEqual(8)
  })

  it('keeps a stream only when a sample comes back whole through inflate (a handle that behaves otherwise falls back)', () => {
    const state = new Uint32Array(2)
    const engine = { destroyed: false }
    // A handle that reports success but writes bytes that are not that sample's deflate.
    const garbling = {
      writeSync(_flush: number, _input: Uint8Array, _a: number, _b: number, output: Uint8Array) {
        const wrong = zlib.deflateRawSync(Buffer.from('{"something":"else"}'), { finishFlush: zlib.constants.Z_FULL_FLUSH })
        output.set(wrong)
        state[0] = output.length - wrong.length
        state[1] = 0
      },
    }
    expect(roundTrips({ engine, handle: garbling, state }, zlib)).toBe(false)
    // The same check passes for node:zlib's own handle.
    const real = zlib.createDeflateRaw() as unknown as { _handle: any; _writeState: Uint32Array; destroyed: boolean }
    expect(roundTrips({ engine: real, handle: real._handle, state: real._writeState }, zlib)).toBe(true)
  })
})
