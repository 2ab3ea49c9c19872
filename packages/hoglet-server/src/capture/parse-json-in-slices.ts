import { setImmediate as nextTurn } from 'node:timers/promises'

/**
 * `JSON.parse` of a large capture body without holding the event loop: one `JSON.parse` of a
 * 20 MiB batch of tiny events (600k objects) takes about half a second. The text is scanned
 * for the elements of its event array (the body itself when it is an array, else the last
 * top-level `batch` key's array, the one `JSON.parse` keeps), a slice at a time; the elements
 * are parsed `SLICE_CHARS` of text at a time, and what is around the array is parsed with a
 * placeholder in its place. Each step yields to the event loop. The result is what
 * `JSON.parse` gives, and invalid JSON throws a `SyntaxError` as it does.
 */

/** Bodies up to this size are parsed at once (a few milliseconds). */
export const PARSE_AT_ONCE_CHARS = 1024 * 1024
/** Text scanned or parsed per turn of the event loop (roughly 10 to 30 ms of work). */
const SLICE_CHARS = 512 * 1024

const QUOTE = 34
const BACKSLASH = 92
const COLON = 58
const COMMA = 44
const OPEN_BRACE = 123
const CLOSE_BRACE = 125
const OPEN_BRACKET = 91
const CLOSE_BRACKET = 93

/** `sizes` are for tests: small slices exercise the cutting on small texts. */
export async function parseJsonInSlices(text: string, sizes: { atOnce: number; slice: number } = { atOnce: PARSE_AT_ONCE_CHARS, slice: SLICE_CHARS }): Promise<unknown> {
  if (text.length <= sizes.atOnce) return JSON.parse(text)
  const sliceChars = sizes.slice
  const array = await findEventArray(text, sliceChars)
  if (array === undefined) return JSON.parse(text) // a shape with no event array to cut (one event)
  const elements: unknown[] = []
  const { open, close, commas } = array
  // Cut the elements at commas of the array's own level, about SLICE_CHARS of text per piece.
  let from = open + 1
  let pieces = 0
  for (let c = 0; c <= commas.length; c++) {
    const to = c < commas.length ? commas[c]! : close
    if (to - from < sliceChars && c < commas.length) continue
    if (pieces++ > 0) await nextTurn()
    const piece = JSON.parse(`[${text.slice(from, to)}]`) as unknown[]
    // `[1, ,2]` cut at its commas gives a piece of blanks, which parses: an empty element is invalid.
    if (piece.length === 0 && (from > open + 1 || to < close)) throw new SyntaxError('empty array element')
    for (const element of piece) elements.push(element)
    from = to + 1
  }
  if (open === firstNonBlank(text)) {
    if (text.slice(close + 1).trim() !== '') throw new SyntaxError('unexpected text after the array')
    return elements
  }
  await nextTurn()
  // The object around the array, with `0` standing for it: a later `batch` key spelled with an
  // escape (`"\u0062atch"`) would win in JSON.parse, and then wins here too.
  const outer = JSON.parse(`${text.slice(0, open)}0${text.slice(close + 1)}`) as Record<string, unknown>
  if (outer.batch === 0) outer.batch = elements
  return outer
}

interface EventArray {
  /** Index of the array's `[` and `]`. */
  open: number
  close: number
  /** Indexes of the commas between its elements. */
  commas: number[]
}

/**
 * Finds the event array: the body when it is an array, else the array value of the last
 * top-level `batch` key. Undefined when there is none, or the text is not balanced (then
 * `JSON.parse` of the whole text reports the error).
 */
async function findEventArray(text: string, sliceChars: number): Promise<EventArray | undefined> {
  const n = text.length
  const start = firstNonBlank(text)
  const topIsArray = text.charCodeAt(start) === OPEN_BRACKET
  if (!topIsArray && text.charCodeAt(start) !== OPEN_BRACE) return undefined
  let found: EventArray | undefined
  let current: EventArray | undefined // the candidate array being scanned
  let batchKey = false // the key just read at the top level is `batch`
  let depth = 0
  let yieldAt = sliceChars
  for (let i = start; i < n; i++) {
    if (i >= yieldAt) {
      await nextTurn()
      yieldAt = i + sliceChars
    }
    const c = text.charCodeAt(i)
    if (c === QUOTE) {
      const from = i
      i = stringEnd(text, i)
      if (i < 0) return undefined
      if (depth === 1 && !topIsArray) {
        let k = i + 1
        while (k < n && text.charCodeAt(k) <= 32) k++
        if (text.charCodeAt(k) === COLON) {
          batchKey = keyIsBatch(text, from, i)
          i = k
          continue
        }
      }
      batchKey = false // a string value
      continue
    }
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth++
      if (c === OPEN_BRACKET && ((topIsArray && depth === 1) || (batchKey && depth === 2))) current = { open: i, close: -1, commas: [] }
      batchKey = false
      continue
    }
    if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      if (current !== undefined && depth === (topIsArray ? 1 : 2)) {
        if (c !== CLOSE_BRACKET) return undefined
        current.close = i
        found = current
        current = undefined
      }
      depth--
      if (depth < 0) return undefined
      continue
    }
    if (c === COMMA && current !== undefined && depth === (topIsArray ? 1 : 2)) current.commas.push(i)
    else if (c > 32 && c !== COMMA) batchKey = false // a scalar value: the key it followed is done
  }
  return depth === 0 ? found : undefined
}

/** Index of the quote closing the string that opens at `i`, or -1. */
function stringEnd(text: string, i: number): number {
  for (;;) {
    i = text.indexOf('"', i + 1)
    if (i < 0) return -1
    let backslashes = 0
    for (let j = i - 1; text.charCodeAt(j) === BACKSLASH; j--) backslashes++
    if ((backslashes & 1) === 0) return i
  }
}

function keyIsBatch(text: string, from: number, to: number): boolean {
  if (to - from === 6) return text.startsWith('batch', from + 1)
  if (to - from > 40) return false
  // An escaped spelling (`"\u0062atch"`): short, decoded by JSON.parse itself.
  try {
    return JSON.parse(text.slice(from, to + 1)) === 'batch'
  } catch {
    return false
  }
}

function firstNonBlank(text: string): number {
  let i = 0
  while (i < text.length && text.charCodeAt(i) <= 32) i++
  return i
}
