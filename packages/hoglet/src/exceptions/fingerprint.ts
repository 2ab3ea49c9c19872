import type { ExceptionEntry } from './exception-list.js'

/**
 * A stable grouping key for an exception: the types in the chain plus the function and file
 * of each in-app frame. Line and column numbers and messages are left out, so the same bug
 * keeps one fingerprint across unrelated edits and across messages that embed ids.
 * Entries without in-app frames fall back to their message.
 */
export function fingerprintSource(entries: readonly ExceptionEntry[]): string {
  const parts: string[] = []
  for (const entry of entries) {
    parts.push(entry.type)
    const inApp = entry.stacktrace?.frames.filter((f) => f.in_app) ?? []
    if (inApp.length === 0) parts.push(entry.value)
    for (const frame of inApp) parts.push(`${frame.function}@${frame.filename}`)
  }
  return parts.join('\n')
}

/** Hashes `fingerprintSource` with the runtime's SHA-1, as 40 hex digits. */
export function computeFingerprint(entries: readonly ExceptionEntry[], sha1Hex: (input: string) => string): string {
  return sha1Hex(fingerprintSource(entries))
}
