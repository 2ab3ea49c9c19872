import { setImmediate as nextTurn } from 'node:timers/promises'
import { BatchLayoutScanner, batchLayout, firstNonBlank, type BatchLayout } from './batch-layout.js'

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
export const SLICE_CHARS = 512 * 1024

/** `sizes` are for tests: small slices exercise the cutting on small texts. */
export async function parseJsonInSlices(text: string, sizes: SliceSizes = DEFAULT_SIZES): Promise<unknown> {
  return (await parseJsonWithLayout(text, sizes)).value
}

export interface SliceSizes {
  atOnce: number
  slice: number
}

const DEFAULT_SIZES: SliceSizes = { atOnce: PARSE_AT_ONCE_CHARS, slice: SLICE_CHARS }

/**
 * `parseJsonInSlices`, also returning the layout of the body's event array (see
 * `batch-layout.ts`): the same scan finds where to cut and where each event's properties are.
 */
export async function parseJsonWithLayout(text: string, sizes: SliceSizes = DEFAULT_SIZES): Promise<{ value: unknown; layout: BatchLayout | undefined }> {
  if (text.length <= sizes.atOnce) {
    const value: unknown = JSON.parse(text)
    // Only a body with an event array has a layout worth scanning for (not a single event).
    const hasEvents = Array.isArray(value) || (typeof value === 'object' && value !== null && Array.isArray((value as { batch?: unknown }).batch))
    return { value, layout: hasEvents ? batchLayout(text) : undefined }
  }
  const sliceChars = sizes.slice
  const scanner = new BatchLayoutScanner(text)
  for (let slices = 0; !scanner.done; slices++) {
    if (slices > 0) await nextTurn()
    scanner.scan(sliceChars)
  }
  const layout = scanner.result()
  if (layout === undefined) return { value: JSON.parse(text), layout } // a shape with no event array to cut (one event)
  const elements: unknown[] = []
  const { open, close, commas } = layout
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
    return { value: elements, layout }
  }
  await nextTurn()
  // The object around the array, with `0` standing for it: a later `batch` key spelled with an
  // escape (`"\u0062atch"`) would win in JSON.parse, and then wins here too.
  const outer = JSON.parse(`${text.slice(0, open)}0${text.slice(close + 1)}`) as Record<string, unknown>
  if (outer.batch === 0) outer.batch = elements
  return { value: outer, layout }
}
