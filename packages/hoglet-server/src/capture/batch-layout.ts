/**
 * One pass over a capture body's text that finds its event array (the body itself when it is
 * an array, else the array of the last top-level `batch` key, the one `JSON.parse` keeps):
 * where the array opens and closes, the commas between its elements, and where each event's
 * `properties` object starts and ends. The commas let a large body be parsed a slice at a
 * time; the spans let the store keep each event's properties as the client sent them instead
 * of serialising the parsed object again. The scan only tracks strings and nesting; it does
 * not validate (`JSON.parse` does), and anything it is not sure of leaves the spans out.
 */

const QUOTE = 34
const BACKSLASH = 92
const COLON = 58
const COMMA = 44
const OPEN_BRACE = 123
const CLOSE_BRACE = 125
const OPEN_BRACKET = 91
const CLOSE_BRACKET = 93

/** Where a body's event array and its events' properties lie in the text. */
export interface BatchLayout {
  /** Index of the array's `[` and `]`. */
  open: number
  close: number
  /** Indexes of the commas between its elements. */
  commas: number[]
  /**
   * `[start0, end0, start1, end1, …]` per element (−1 where an element has no object
   * `properties`); undefined when an event's keys could not be read for sure (an escaped key).
   * Only meaningful when `elements` is the length of the array `JSON.parse` gives.
   */
  spans: Int32Array | undefined
  /** Elements opened as objects or arrays: the spans' count. */
  elements: number
}

interface Candidate {
  open: number
  commas: number[]
  spans: Int32Array
  elements: number
  spansOk: boolean
}

/** A scan resumable at any index, so a huge body can be read a slice per turn of the event loop. */
export class BatchLayoutScanner {
  private i: number
  private depth = 0
  private readonly topIsArray: boolean
  /** Nesting depth at which the event array's elements open. */
  private readonly elementDepth: number
  private pendingBatch = false // the key just read at the top level is `batch`
  private pendingProperties = false // the key just read in an event is `properties`
  private propertiesStart = -1
  private current: Candidate | undefined
  private found: Candidate | undefined
  private close = -1
  private failed = false

  constructor(private readonly text: string) {
    const start = firstNonBlank(text)
    const first = text.charCodeAt(start)
    this.topIsArray = first === OPEN_BRACKET
    this.elementDepth = this.topIsArray ? 1 : 2
    this.i = start
    // Neither an array nor an object: there is no event array to find.
    if (!this.topIsArray && first !== OPEN_BRACE) this.failed = true
  }

  /** True once the whole text has been scanned (or the scan gave up). */
  get done(): boolean {
    return this.failed || this.i >= this.text.length
  }

  /** Scans about `chars` more characters. */
  scan(chars: number): void {
    if (this.done) return
    const text = this.text
    const n = text.length
    const stop = Math.min(n, this.i + chars)
    const elementDepth = this.elementDepth
    const keyDepth = elementDepth + 1 // inside an event object
    let depth = this.depth
    let i = this.i
    let current = this.current
    for (; i < stop; i++) {
      const c = text.charCodeAt(i)
      if (c === QUOTE) {
        const from = i
        i = stringEnd(text, i)
        if (i < 0) return this.fail()
        const atTop = depth === 1 && !this.topIsArray
        if (atTop || (current !== undefined && depth === keyDepth)) {
          let k = i + 1
          while (k < n && text.charCodeAt(k) <= 32) k++
          if (text.charCodeAt(k) === COLON) {
            if (atTop) this.pendingBatch = keyIsBatch(text, from, i)
            else {
              // "propert\u0069es" is `properties` too: not worth decoding, the spans are left out.
              for (let j = from + 1; j < i; j++) if (text.charCodeAt(j) === BACKSLASH) current!.spansOk = false
              this.pendingProperties = i - from === 11 && text.startsWith('properties', from + 1)
            }
            i = k
            continue
          }
        }
        this.pendingBatch = this.pendingProperties = false // a string value
        continue
      }
      if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        if (c === OPEN_BRACKET && ((this.topIsArray && depth === 0) || (this.pendingBatch && depth === 1))) {
          current = { open: i, commas: [], spans: new Int32Array(64).fill(-1), elements: 0, spansOk: true }
        } else if (current !== undefined && depth === elementDepth) {
          if ((current.elements + 1) * 2 > current.spans.length) current.spans = grow(current.spans)
          current.elements++
        } else if (this.pendingProperties && c === OPEN_BRACE && current !== undefined && depth === keyDepth) {
          this.propertiesStart = i
        }
        this.pendingBatch = this.pendingProperties = false
        depth++
        continue
      }
      if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        depth--
        if (depth < 0) return this.fail()
        if (current !== undefined) {
          if (depth === keyDepth && this.propertiesStart >= 0) {
            const at = (current.elements - 1) * 2
            current.spans[at] = this.propertiesStart
            current.spans[at + 1] = i + 1
            this.propertiesStart = -1
          } else if (depth === elementDepth - 1) {
            if (c !== CLOSE_BRACKET) return this.fail()
            this.found = current
            this.close = i
            current = undefined
          }
        }
        this.pendingBatch = this.pendingProperties = false
        continue
      }
      if (c === COMMA) {
        if (current !== undefined && depth === elementDepth) current.commas.push(i)
      } else if (c > 32) this.pendingBatch = this.pendingProperties = false // a scalar value: the key it followed is done
    }
    this.i = i
    this.depth = depth
    this.current = current
  }

  /** The layout, once `done`; undefined when there is no event array or the text is not balanced. */
  result(): BatchLayout | undefined {
    if (this.failed || this.depth !== 0 || this.found === undefined) return undefined
    const f = this.found
    return { open: f.open, close: this.close, commas: f.commas, spans: f.spansOk ? f.spans : undefined, elements: f.elements }
  }

  private fail(): void {
    this.failed = true
  }
}

/** Scans the whole text at once (small bodies). */
export function batchLayout(text: string): BatchLayout | undefined {
  const scanner = new BatchLayoutScanner(text)
  scanner.scan(text.length)
  return scanner.result()
}

/** The text of element `index`'s `properties` object, when the layout has it. */
export function propertiesText(text: string, layout: BatchLayout | undefined, index: number): string | undefined {
  const spans = layout?.spans
  if (spans === undefined) return undefined
  const start = spans[index * 2]!
  return start >= 0 ? text.slice(start, spans[index * 2 + 1]) : undefined
}

function grow(spans: Int32Array): Int32Array {
  const bigger = new Int32Array(spans.length * 2).fill(-1)
  bigger.set(spans)
  return bigger
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

export function firstNonBlank(text: string): number {
  let i = 0
  while (i < text.length && text.charCodeAt(i) <= 32) i++
  return i
}
