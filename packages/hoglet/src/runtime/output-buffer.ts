/** Largest output buffer kept between calls (a block of large events gets one of its own). */
const RETAINED_OUTPUT = 1024 * 1024

/**
 * An output buffer for synchronous compression calls, kept from one call to the next: `room`
 * bytes at least, the kept one (64 KiB or more, grown as needed) up to 1 MiB, a new one above.
 * The buffer is only valid until the next call: callers copy what they return.
 */
export function createOutputBuffer(): (room: number) => Buffer {
  let kept: Buffer | undefined
  return (room) => {
    if (room > RETAINED_OUTPUT) return Buffer.allocUnsafeSlow(room)
    if (kept === undefined || kept.length < room) kept = Buffer.allocUnsafeSlow(Math.max(room, 64 * 1024))
    return kept
  }
}
