import { createHash } from 'node:crypto'

/**
 * A UUID (RFC 9562 version 8, "custom") from the SHA-256 of the source name, the line number
 * and the line's text: the same line always gets the same uuid, so a resumed import that resends
 * a line sends it under the uuid PostHog already has, and PostHog deduplicates it.
 */
export function lineUuid(source: string, lineNumber: number, text: string): string {
  const hash = createHash('sha256').update(source).update('\n').update(String(lineNumber)).update('\n').update(text).digest()
  hash[6] = (hash[6]! & 0x0f) | 0x80
  hash[8] = (hash[8]! & 0x3f) | 0x80
  const hex = hash.subarray(0, 16).toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`
}
