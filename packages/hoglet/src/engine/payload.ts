import type { JsonValue } from './engine-types.js'

/**
 * Decodes a flag payload as PostHog stores it (JSON text): parsed when it is JSON, the raw string
 * when it is not, undefined for `""` and null; an already-decoded value passes through.
 * One decoder for the engine's compile step and for remote answers, so both agree.
 */
export function decodePayload(raw: unknown): JsonValue | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined
  if (typeof raw !== 'string') return raw as JsonValue
  try {
    return JSON.parse(raw) as JsonValue
  } catch {
    return raw
  }
}
