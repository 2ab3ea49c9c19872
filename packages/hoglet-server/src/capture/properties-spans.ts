/**
 * Finds, in the text of a batch body (`{"api_key":…,"batch":[{…},…]}`), where each event's
 * `properties` object starts and ends, so the store can keep that JSON as the client sent it
 * instead of serialising the parsed object again. One pass that only tracks strings and
 * nesting; anything it is not sure of (another body shape, an escaped key, a count that does
 * not match what `JSON.parse` saw) gives up, and the caller serialises as before.
 */

const QUOTE = 34
const BACKSLASH = 92
const COLON = 58
const OPEN_BRACE = 123
const CLOSE_BRACE = 125
const OPEN_BRACKET = 91
const CLOSE_BRACKET = 93

/** Bodies above this are left to per-event serialisation, which runs in yielding slices. */
export const KEEP_JSON_LIMIT = 4 * 1024 * 1024

/**
 * `[start0, end0, start1, end1, …]` per event of the batch (−1 where an event has no object
 * `properties`), or `undefined` when the body is not a batch of `count` events it can read.
 */
export function propertiesSpans(text: string, count: number): Int32Array | undefined {
  if (text.length > KEEP_JSON_LIMIT) return undefined
  const spans = new Int32Array(count * 2).fill(-1)
  let depth = 0
  let inBatch = false // inside the top-level `batch` array
  let pendingKey = 0 // 1: the next value is `batch`; 2: the next value is an event's `properties`
  let eventIndex = -1
  let propertiesStart = -1
  const n = text.length
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i)
    if (c === QUOTE) {
      const start = i
      for (;;) {
        i = text.indexOf('"', i + 1)
        if (i < 0) return undefined
        let backslashes = 0
        for (let j = i - 1; text.charCodeAt(j) === BACKSLASH; j--) backslashes++
        if ((backslashes & 1) === 0) break
      }
      // A key is a string at an object level followed by `:`; only two levels matter.
      pendingKey = 0
      if (depth === 1 || (depth === 3 && inBatch)) {
        let k = i + 1
        while (k < n && text.charCodeAt(k) <= 32) k++
        if (text.charCodeAt(k) === COLON) {
          const length = i - start - 1
          // "\u0062atch" is `batch` too: not worth decoding. Keys are short; each is read once.
          for (let j = start + 1; j < i; j++) if (text.charCodeAt(j) === BACKSLASH) return undefined
          if (depth === 1 && length === 5 && text.startsWith('batch', start + 1)) pendingKey = 1
          else if (depth === 3 && length === 10 && text.startsWith('properties', start + 1)) pendingKey = 2
          i = k
        }
      }
      continue
    }
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (pendingKey === 1) {
        if (c !== OPEN_BRACKET) return undefined
        // A repeated `batch` key: JSON.parse keeps the last one, and so does this.
        inBatch = true
        eventIndex = -1
        spans.fill(-1)
      } else if (pendingKey === 2 && c === OPEN_BRACE) {
        propertiesStart = i
      } else if (inBatch && depth === 2) {
        eventIndex++
        if (eventIndex >= count) return undefined
      }
      pendingKey = 0
      depth++
      continue
    }
    if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--
      if (depth === 3 && propertiesStart >= 0 && inBatch) {
        spans[eventIndex * 2] = propertiesStart
        spans[eventIndex * 2 + 1] = i + 1
        propertiesStart = -1
      } else if (depth === 1 && inBatch && c === CLOSE_BRACKET) {
        inBatch = false
      }
      continue
    }
    if (c > 32 && c !== 44 /* , */) pendingKey = 0 // a scalar value: the key it followed is done
  }
  return eventIndex === count - 1 ? spans : undefined
}
