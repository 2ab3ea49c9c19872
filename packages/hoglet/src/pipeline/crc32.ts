/**
 * CRC-32 (the gzip trailer's checksum) for the few bytes the sender writes itself, and the
 * combination of two CRCs (zlib's `crc32_combine`), so a gzip body assembled from blocks
 * compressed earlier gets its checksum without reading those blocks' text again.
 */

const POLY = 0xedb88320

const TABLE = /* @__PURE__ */ (() => {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1
    table[n] = c
  }
  return table
})()

/** CRC-32 of `bytes`, continuing from `crc` (0 to start). */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8)
  return ~c >>> 0
}

/** a·b modulo the CRC polynomial (bit-reflected, as zlib's `multmodp`). */
function multmodp(a: number, b: number): number {
  let m = 0x8000_0000
  let p = 0
  for (;;) {
    if (a & m) {
      p ^= b
      if ((a & (m - 1)) === 0) break
    }
    m >>>= 1
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1
  }
  return p >>> 0
}

/** x^(2^n) modulo the polynomial, n = 0..31. */
const X2N = /* @__PURE__ */ (() => {
  const table = new Uint32Array(32)
  let p = 0x4000_0000 // x^1
  table[0] = p
  for (let n = 1; n < 32; n++) table[n] = p = multmodp(p, p)
  return table
})()

/** x^(n·2^k) modulo the polynomial. */
function x2nmodp(n: number, k: number): number {
  let p = 0x8000_0000 // x^0
  while (n > 0) {
    if (n & 1) p = multmodp(X2N[k & 31], p)
    n = Math.floor(n / 2)
    k++
  }
  return p
}

/** The CRC-32 of A followed by B, from crc(A), crc(B) and B's length in bytes. */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  return (multmodp(x2nmodp(lengthB, 3), crcA) ^ crcB) >>> 0
}
