/**
 * A small synchronous SHA-1 over the UTF-8 bytes of a string, for runtimes without
 * node:crypto (edge workers, browsers). Flag bucketing needs a synchronous digest: WebCrypto's
 * `subtle.digest` is async and would make every flag evaluation await.
 *
 * SHA-1 is used here for bucketing compatibility only, never for security.
 */

// Reused across calls: evaluation is synchronous, so nothing else can touch them mid-digest.
let bytes = new Uint8Array(256)
const words = new Int32Array(80)
const state = new Int32Array(5)

/** Writes the UTF-8 encoding of `input` into `bytes` (growing it), returns the byte length. */
function encodeUtf8(input: string): number {
  // Worst case 3 bytes per UTF-16 unit, plus room for the 72 bytes of padding.
  const needed = input.length * 3 + 72
  if (bytes.length < needed) bytes = new Uint8Array(Math.max(needed, bytes.length * 2))
  let n = 0
  for (let i = 0; i < input.length; i++) {
    let c = input.charCodeAt(i)
    if (c < 0x80) {
      bytes[n++] = c
    } else if (c < 0x800) {
      bytes[n++] = 0xc0 | (c >> 6)
      bytes[n++] = 0x80 | (c & 63)
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < input.length) {
      const low = input.charCodeAt(i + 1)
      if (low >= 0xdc00 && low <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00)
        i++
        bytes[n++] = 0xf0 | (c >> 18)
        bytes[n++] = 0x80 | ((c >> 12) & 63)
        bytes[n++] = 0x80 | ((c >> 6) & 63)
        bytes[n++] = 0x80 | (c & 63)
      } else {
        n = writeReplacement(n)
      }
    } else if (c >= 0xd800 && c <= 0xdfff) {
      // A lone surrogate encodes as U+FFFD, as TextEncoder and node:crypto do.
      n = writeReplacement(n)
    } else {
      bytes[n++] = 0xe0 | (c >> 12)
      bytes[n++] = 0x80 | ((c >> 6) & 63)
      bytes[n++] = 0x80 | (c & 63)
    }
  }
  return n
}

function writeReplacement(n: number): number {
  bytes[n] = 0xef
  bytes[n + 1] = 0xbf
  bytes[n + 2] = 0xbd
  return n + 3
}

/**
 * Fast path for the common case (ASCII, at most 55 bytes: one block): loads the words straight
 * from the char codes. Returns false when the input does not qualify.
 */
function loadShortAscii(input: string): boolean {
  const n = input.length
  if (n > 55) return false
  const w = words
  let word = 0
  for (let i = 0; i < n; i++) {
    const c = input.charCodeAt(i)
    if (c >= 0x80) return false
    word = (word << 8) | c
    if ((i & 3) === 3) {
      w[i >> 2] = word
      word = 0
    }
  }
  // The 0x80 terminator, then zeros, then the bit length in the last word.
  const rem = n & 3
  word = (word << 8) | 0x80
  w[n >> 2] = word << (8 * (3 - rem))
  for (let i = (n >> 2) + 1; i < 15; i++) w[i] = 0
  w[15] = n * 8
  return true
}

/** Runs SHA-1 over `bytes[0..length)`, leaving the digest in `state`. */
function digest(length: number): void {
  // Padding: 0x80, zeros, then the bit length as a 64-bit big-endian integer.
  const total = ((length + 8) >> 6) * 64 + 64
  bytes[length] = 0x80
  bytes.fill(0, length + 1, total)
  const bitLength = length * 8
  bytes[total - 4] = bitLength >>> 24
  bytes[total - 3] = (bitLength >>> 16) & 255
  bytes[total - 2] = (bitLength >>> 8) & 255
  bytes[total - 1] = bitLength & 255
  bytes[total - 5] = Math.floor(length / 0x20000000) & 255

  resetState()
  const w = words
  for (let offset = 0; offset < total; offset += 64) {
    for (let i = 0; i < 16; i++) {
      const j = offset + i * 4
      w[i] = (bytes[j] << 24) | (bytes[j + 1] << 16) | (bytes[j + 2] << 8) | bytes[j + 3]
    }
    compress()
  }
}

function resetState(): void {
  state[0] = 0x67452301
  state[1] = 0xefcdab89 | 0
  state[2] = 0x98badcfe | 0
  state[3] = 0x10325476
  state[4] = 0xc3d2e1f0 | 0
}

/** One SHA-1 compression of the 16 words in `words` into `state`. */
function compress(): void {
  const w = words
  for (let i = 16; i < 80; i++) {
    const x = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]
    w[i] = (x << 1) | (x >>> 31)
  }
  let a = state[0]
  let b = state[1]
  let c = state[2]
  let d = state[3]
  let e = state[4]
  let i = 0
  // Four rounds of 20 steps, unrolled by round so the step needs no branches.
  for (; i < 20; i++) {
    const t = (((a << 5) | (a >>> 27)) + ((b & c) | (~b & d)) + e + 0x5a827999 + w[i]) | 0
    e = d
    d = c
    c = (b << 30) | (b >>> 2)
    b = a
    a = t
  }
  for (; i < 40; i++) {
    const t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + 0x6ed9eba1 + w[i]) | 0
    e = d
    d = c
    c = (b << 30) | (b >>> 2)
    b = a
    a = t
  }
  for (; i < 60; i++) {
    const t = (((a << 5) | (a >>> 27)) + ((b & c) | (b & d) | (c & d)) + e - 0x70e44324 + w[i]) | 0
    e = d
    d = c
    c = (b << 30) | (b >>> 2)
    b = a
    a = t
  }
  for (; i < 80; i++) {
    const t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e - 0x359d3e2a + w[i]) | 0
    e = d
    d = c
    c = (b << 30) | (b >>> 2)
    b = a
    a = t
  }
  state[0] = (state[0] + a) | 0
  state[1] = (state[1] + b) | 0
  state[2] = (state[2] + c) | 0
  state[3] = (state[3] + d) | 0
  state[4] = (state[4] + e) | 0
}

/** Digests `input` into `state`, through the one-block ASCII fast path when it applies. */
function digestString(input: string): void {
  if (loadShortAscii(input)) {
    resetState()
    compress()
  } else {
    digest(encodeUtf8(input))
  }
}

const HEX = '0123456789abcdef'

/** SHA-1 of the UTF-8 bytes of `input`, as 40 lowercase hex digits. */
export function sha1Hex(input: string): string {
  digestString(input)
  let out = ''
  for (let i = 0; i < 5; i++) {
    const v = state[i]
    for (let shift = 28; shift >= 0; shift -= 4) out += HEX[(v >>> shift) & 15]
  }
  return out
}

/**
 * The first 60 bits of SHA-1(`input`) as an exact integer-valued double (rounded once, like
 * Python's `int(hex[:15], 16)` converted to float): what flag bucketing divides by 2^60.
 */
export function sha1Prefix60(input: string): number {
  digestString(input)
  return (state[0] >>> 0) * 0x10000000 + (state[1] >>> 4)
}
