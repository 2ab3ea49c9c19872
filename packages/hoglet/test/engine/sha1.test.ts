import { createHash, randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { sha1Hex, sha1Prefix60 } from '../../src/engine/sha1.js'

const reference = (s: string) => createHash('sha1').update(s, 'utf8').digest('hex')

/** A random string drawn from ASCII, Latin-1, BMP (incl. CJK) and astral characters. */
function randomString(maxLength: number): string {
  const length = Math.floor(Math.random() * (maxLength + 1))
  let out = ''
  for (let i = 0; i < length; i++) {
    const pick = Math.random()
    if (pick < 0.5) out += String.fromCharCode(32 + Math.floor(Math.random() * 95))
    else if (pick < 0.7) out += String.fromCharCode(0xa0 + Math.floor(Math.random() * 0x700))
    else if (pick < 0.9) out += String.fromCharCode(0x4e00 + Math.floor(Math.random() * 0x5000))
    else out += String.fromCodePoint(0x1f300 + Math.floor(Math.random() * 0x300))
  }
  return out
}

describe('pure-TypeScript SHA-1', () => {
  it('matches node:crypto on 5000 random strings with multi-byte UTF-8', () => {
    for (let i = 0; i < 5000; i++) {
      const s = randomString(i % 10 === 0 ? 300 : 40)
      expect(sha1Hex(s), JSON.stringify(s)).toBe(reference(s))
    }
  })

  it('matches node:crypto at every length around the block boundaries (0–200 bytes)', () => {
    for (let n = 0; n <= 200; n++) {
      const s = 'k'.repeat(n)
      expect(sha1Hex(s)).toBe(reference(s))
      const wide = 'é'.repeat(n) // 2 bytes each
      expect(sha1Hex(wide)).toBe(reference(wide))
    }
  })

  it('matches node:crypto on long strings (1 MB) and random binary-ish text', () => {
    const long = randomBytes(512 * 1024).toString('hex')
    expect(sha1Hex(long)).toBe(reference(long))
    const latin = randomBytes(4096).toString('latin1')
    expect(sha1Hex(latin)).toBe(reference(latin))
  })

  it('encodes lone surrogates as U+FFFD like node:crypto', () => {
    for (const s of ['\ud800', 'a\udc00b', 'x\ud83d', '\udfff\ud800']) expect(sha1Hex(s)).toBe(reference(s))
  })

  it('gives the first 60 bits of the digest exactly', () => {
    for (let i = 0; i < 2000; i++) {
      const s = randomString(60)
      const hex = reference(s).slice(0, 15)
      expect(sha1Prefix60(s)).toBe(Number(BigInt(`0x${hex}`)))
    }
  })
})
