/**
 * A strict reader of the usual capture body, a batch object (`{"api_key": …, "batch": [{…}, …]}`),
 * that checks the whole text against JSON's grammar as `JSON.parse` does but builds no objects:
 * for each event of the batch it records where the fields capture stores lie in the text (`event`,
 * `uuid`, `distinct_id`, `timestamp`, `properties`). Capture then takes those strings as slices
 * of the text and stores each `properties` object as sent, without materialising it: parsing
 * every event into objects (and collecting them) was the largest cost per stored event.
 *
 * Anything it is not sure of makes it give up (`result()` is undefined) and capture takes the
 * `JSON.parse` path, which gives the same events and the same errors. So all this reader must
 * do is refuse what `JSON.parse` refuses and read what it accepts as `JSON.parse` would; per
 * event, what it does not read itself (an escaped key, `$set` at the top level, a field of an
 * unusual type) it marks for `JSON.parse` of that event alone.
 */

const QUOTE = 34
const BACKSLASH = 92
const COLON = 58
const COMMA = 44
const OPEN_BRACE = 123
const CLOSE_BRACE = 125
const OPEN_BRACKET = 91
const CLOSE_BRACKET = 93

/** Deeper bodies are left to `JSON.parse` (the hostile-body path). */
const MAX_DEPTH = 512

/** Int32 slots per event in `BatchRead.records`. */
export const SLOTS = 13
/** Slot offsets: element span, then content spans (inside the quotes) of the string fields, the properties object's span, flags. */
export const ELEMENT_START = 0
export const ELEMENT_END = 1
export const EVENT_START = 2
export const EVENT_END = 3
export const UUID_START = 4
export const UUID_END = 5
export const DISTINCT_ID_START = 6
export const DISTINCT_ID_END = 7
export const TIMESTAMP_START = 8
export const TIMESTAMP_END = 9
export const PROPERTIES_START = 10
export const PROPERTIES_END = 11
export const FLAGS = 12

/** Flags: which fields were last given as plain strings (no escapes), or an object for `properties`. */
export const EVENT_PLAIN = 1
export const UUID_PLAIN = 2
export const DISTINCT_ID_PLAIN = 4
export const TIMESTAMP_PLAIN = 8
export const PROPERTIES_OBJECT = 16
/** An event key this reader does not read itself: the event is parsed alone. */
export const NEEDS_PARSE = 32
/** An event key written with escapes: it may spell `properties`, so the span above is not trusted. */
export const ESCAPED_KEY = 64
/** The properties hold a key that person effects read (`$set`…), or an escaped key: they are parsed. */
export const PERSON_KEYS = 128

/** What the reader found: the batch array's brackets and one record of `SLOTS` per event. */
export interface BatchRead {
  open: number
  close: number
  count: number
  records: Int32Array
}

// What comes next in the text.
const VALUE = 0
const VALUE_OR_CLOSE = 1 // just after `[`
const KEY_OR_CLOSE = 2 // just after `{`
const KEY = 3
const COLON_NEXT = 4
const COMMA_OR_CLOSE = 5
const END = 6

// The field a key at event level names (the value that follows is recorded for it).
const NO_FIELD = 0
const EVENT = 1
const UUID = 2
const DISTINCT_ID = 3
const TIMESTAMP = 4
const PROPERTIES = 5
const FIELD_SLOT = [-1, EVENT_START, UUID_START, DISTINCT_ID_START, TIMESTAMP_START, PROPERTIES_START]
const FIELD_FLAG = [0, EVENT_PLAIN, UUID_PLAIN, DISTINCT_ID_PLAIN, TIMESTAMP_PLAIN, PROPERTIES_OBJECT]

/** A scan resumable between tokens, so a 20 MiB body is read a slice per turn of the event loop. */
export class BatchReader {
  private i = 0
  private expect = VALUE
  private depth = 0
  /** 1 for an object, 0 for an array, per open level. */
  private readonly stack = new Uint8Array(MAX_DEPTH + 1)
  private failed = false
  private open = -1
  private close = -1
  private batchKeyPending = false
  private field = NO_FIELD
  private count = 0
  private records = new Int32Array(SLOTS * 256)
  /** Whether the text holds a control character anywhere (in a string, JSON refuses it; outside, only as blank). */
  private readonly hasControl: boolean
  /** Index of the next backslash at or after the last string read (the text's length when none). */
  private nextBackslash = -1
  /** Set by `stringEnd`: the string just read held an escape. */
  private escaped = false

  constructor(private readonly text: string) {
    let i = 0
    while (i < text.length && isBlank(text.charCodeAt(i))) i++
    // Only a batch object is read here; an array of events or a single event takes JSON.parse.
    if (text.charCodeAt(i) !== OPEN_BRACE) this.failed = true
    this.hasControl = /[\x00-\x1f]/.test(text)
  }

  get done(): boolean {
    return this.failed || this.i >= this.text.length
  }

  /** The events found, once `done`; undefined when the reader gave up or the text is not one JSON value. */
  result(): BatchRead | undefined {
    if (this.failed || this.expect !== END || this.close < 0) return undefined
    return { open: this.open, close: this.close, count: this.count, records: this.records }
  }

  /** Reads about `chars` more characters (a string is always read whole). */
  scan(chars: number): void {
    if (this.done) return
    const text = this.text
    const n = text.length
    const stop = Math.min(n, this.i + chars)
    const stack = this.stack
    let i = this.i
    let depth = this.depth
    let expect = this.expect
    let records = this.records
    // The record of the event being read (when inside one), and whether we are in its properties.
    let at = (this.count - 1) * SLOTS
    while (i < stop) {
      const c = text.charCodeAt(i)
      if (c <= 32) {
        if (!isBlank(c)) return this.fail()
        i++
        continue
      }
      if (expect === END) return this.fail()
      if (expect === COLON_NEXT) {
        if (c !== COLON) return this.fail()
        expect = VALUE
        i++
        continue
      }
      if (expect === COMMA_OR_CLOSE) {
        if (c === COMMA) {
          expect = stack[depth] === 1 ? KEY : VALUE
          i++
          continue
        }
        if (c !== (stack[depth] === 1 ? CLOSE_BRACE : CLOSE_BRACKET)) return this.fail()
        // fall through to the closing bracket below
      } else if (expect === KEY || expect === KEY_OR_CLOSE) {
        if (c === CLOSE_BRACE && expect === KEY_OR_CLOSE) {
          // an empty object: closed below
        } else {
          if (c !== QUOTE) return this.fail()
          const end = this.stringEnd(i)
          if (end < 0) return this.fail()
          this.readKey(i + 1, end, depth, at)
          if (this.failed) return
          i = end + 1
          expect = COLON_NEXT
          continue
        }
      } else if (c === CLOSE_BRACKET && expect === VALUE_OR_CLOSE) {
        // an empty array: closed below
      } else {
        // A value.
        const field = this.field
        this.field = NO_FIELD
        if (c === QUOTE) {
          const end = this.stringEnd(i)
          if (end < 0) return this.fail()
          // `batch` that is not an array (not a batch object), or an element that is not an event.
          if (this.batchKeyPending || (depth === 2 && this.inBatch())) return this.fail()
          if (field !== NO_FIELD) {
            const slot = at + FIELD_SLOT[field]!
            records[slot] = i + 1
            records[slot + 1] = end
            if (this.escaped || field === PROPERTIES) records[at + FLAGS]! &= ~FIELD_FLAG[field]!
            else records[at + FLAGS]! |= FIELD_FLAG[field]!
          }
          i = end + 1
          expect = depth === 0 ? END : COMMA_OR_CLOSE
          continue
        }
        if (c === OPEN_BRACE || c === OPEN_BRACKET) {
          if (depth === MAX_DEPTH) return this.fail()
          if (this.batchKeyPending) {
            this.batchKeyPending = false
            if (c !== OPEN_BRACKET) return this.fail()
            this.open = i
          } else if (depth === 2 && this.inBatch()) {
            if (c !== OPEN_BRACE) return this.fail() // an element that is not an event: JSON.parse reports it
            if ((this.count + 1) * SLOTS > records.length) records = this.records = grow(records)
            at = this.count++ * SLOTS
            records.fill(-1, at, at + FLAGS)
            records[at + FLAGS] = 0
            records[at + ELEMENT_START] = i
          } else if (field !== NO_FIELD) {
            if (field === PROPERTIES && c === OPEN_BRACE) {
              records[at + PROPERTIES_START] = i
              records[at + FLAGS]! |= PROPERTIES_OBJECT
            } else records[at + FLAGS]! &= ~FIELD_FLAG[field]!
          }
          stack[++depth] = c === OPEN_BRACE ? 1 : 0
          expect = c === OPEN_BRACE ? KEY_OR_CLOSE : VALUE_OR_CLOSE
          i++
          continue
        }
        const end = scalarEnd(text, i, c)
        if (end < 0 || this.batchKeyPending || (depth === 2 && this.inBatch())) return this.fail()
        if (field !== NO_FIELD) records[at + FLAGS]! &= ~FIELD_FLAG[field]!
        i = end
        expect = depth === 0 ? END : COMMA_OR_CLOSE
        continue
      }
      // A closing bracket for the container open at `depth`.
      if (c !== (stack[depth] === 1 ? CLOSE_BRACE : CLOSE_BRACKET)) return this.fail()
      if (this.inBatch()) {
        if (depth === 4 && records[at + PROPERTIES_END] === -1 && records[at + PROPERTIES_START]! >= 0 && this.propertiesOpenAt4(at)) {
          records[at + PROPERTIES_END] = i + 1
        } else if (depth === 3) {
          records[at + ELEMENT_END] = i + 1
        } else if (depth === 2) {
          this.close = i
        }
      }
      depth--
      i++
      expect = depth === 0 ? END : COMMA_OR_CLOSE
    }
    this.i = i
    this.depth = depth
    this.expect = expect
  }

  /** Between the batch array's `[` and its `]`. */
  private inBatch(): boolean {
    return this.open >= 0 && this.close < 0
  }

  /**
   * True while the object open at depth 4 is the event's current `properties` value: a
   * `properties` key given twice records a new start, and only that object's end counts.
   */
  private propertiesOpenAt4(at: number): boolean {
    return (this.records[at + FLAGS]! & PROPERTIES_OBJECT) !== 0
  }

  /** A key (content from `from` to the quote at `to`) at `depth`, in the event at record `at`. */
  private readKey(from: number, to: number, depth: number, at: number): void {
    const text = this.text
    if (depth === 1) {
      // A top-level key: only `batch` matters; an escaped key could spell it, so give up.
      if (this.escaped) return this.fail()
      if (to - from === 5 && text.startsWith('batch', from)) {
        if (this.open >= 0) return this.fail() // a second `batch`: JSON.parse keeps the last
        this.batchKeyPending = true
      }
      return
    }
    if (!this.inBatch() || at < 0) return
    const records = this.records
    if (depth === 3) {
      if (this.escaped) {
        records[at + FLAGS]! |= NEEDS_PARSE | ESCAPED_KEY
        return
      }
      const field = eventField(text, from, to)
      if (field === NEEDS_PARSE_FIELD) records[at + FLAGS]! |= NEEDS_PARSE
      else {
        this.field = field
        // A second `properties`: the span restarts (`PROPERTIES_END` is set when its object closes).
        if (field === PROPERTIES) {
          records[at + PROPERTIES_START] = -1
          records[at + PROPERTIES_END] = -1
        }
      }
      return
    }
    // A key of the event's properties object (depth 4, while that object is open).
    if (depth === 4 && records[at + PROPERTIES_END] === -1 && records[at + PROPERTIES_START]! >= 0) {
      if (this.escaped || isPersonKey(text, from, to)) records[at + FLAGS]! |= PERSON_KEYS
    }
  }

  /**
   * Index of the quote closing the string that opens at `i`, or -1 when the string is not
   * valid JSON (a raw control character, a bad escape, no end). Sets `escaped`. In a text
   * with no control character and no backslash before the next quote, that quote ends the
   * string (one native `indexOf`); otherwise the characters are read one by one.
   */
  private stringEnd(i: number): number {
    const text = this.text
    if (!this.hasControl) {
      const end = text.indexOf('"', i + 1)
      if (this.nextBackslash < i) {
        const b = text.indexOf('\\', i)
        this.nextBackslash = b < 0 ? text.length : b
      }
      if (end >= 0 && end < this.nextBackslash) {
        this.escaped = false
        return end
      }
    }
    for (let j = i + 1; ; j++) {
      const c = text.charCodeAt(j) // NaN past the end: refused below
      if (c === QUOTE) {
        this.escaped = false
        return j
      }
      if (c === BACKSLASH) {
        this.escaped = true
        return escapedStringEnd(text, j)
      }
      if (c < 32 || c !== c) return -1
    }
  }

  private fail(): void {
    this.failed = true
  }
}

/** Scans the whole text at once (small bodies). */
export function readBatch(text: string): BatchRead | undefined {
  const reader = new BatchReader(text)
  reader.scan(text.length)
  return reader.result()
}

const NEEDS_PARSE_FIELD = -1

/** Which stored field an (unescaped) event key names; `$set`/`$set_once` need the parse path. */
function eventField(text: string, from: number, to: number): number {
  switch (to - from) {
    case 4:
      return text.startsWith('uuid', from) ? UUID : text.startsWith('$set', from) ? NEEDS_PARSE_FIELD : NO_FIELD
    case 5:
      return text.startsWith('event', from) ? EVENT : NO_FIELD
    case 9:
      return text.startsWith('timestamp', from) ? TIMESTAMP : text.startsWith('$set_once', from) ? NEEDS_PARSE_FIELD : NO_FIELD
    case 10:
      return text.startsWith('properties', from) ? PROPERTIES : NO_FIELD
    case 11:
      return text.startsWith('distinct_id', from) ? DISTINCT_ID : NO_FIELD
    case 12:
      return text.startsWith('$distinct_id', from) ? NEEDS_PARSE_FIELD : NO_FIELD
    default:
      return NO_FIELD
  }
}

/** Whether a properties key is one persons read (`PersonStore.apply`): an event with one has its properties parsed. */
function isPersonKey(text: string, from: number, to: number): boolean {
  switch (to - from) {
    case 4:
      return text.startsWith('$set', from)
    case 5:
      return text.startsWith('alias', from)
    case 6:
      return text.startsWith('$unset', from)
    case 9:
      return text.startsWith('$set_once', from)
    case 17:
      return text.startsWith('$anon_distinct_id', from)
    case 23:
      return text.startsWith('$process_person_profile', from)
    default:
      return false
  }
}

/** End of a string from its first backslash on; -1 when an escape is invalid, a control character is raw or the text ends. */
function escapedStringEnd(text: string, i: number): number {
  const n = text.length
  while (i < n) {
    const c = text.charCodeAt(i)
    if (c === QUOTE) return i
    if (c < 32) return -1
    if (c === BACKSLASH) {
      const e = text.charCodeAt(i + 1)
      if (e === 117) {
        // \uXXXX
        for (let k = i + 2; k < i + 6; k++) if (!isHex(text.charCodeAt(k))) return -1
        i += 6
        continue
      }
      // " \ / b f n r t
      if (e !== QUOTE && e !== BACKSLASH && e !== 47 && e !== 98 && e !== 102 && e !== 110 && e !== 114 && e !== 116) return -1
      i += 2
      continue
    }
    i++
  }
  return -1
}

/** End (exclusive) of the number or literal starting at `i`, or -1 when it is not valid JSON. */
function scalarEnd(text: string, i: number, c: number): number {
  if (c === 116) return text.startsWith('true', i) ? i + 4 : -1
  if (c === 102) return text.startsWith('false', i) ? i + 5 : -1
  if (c === 110) return text.startsWith('null', i) ? i + 4 : -1
  // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  if (c === 45) c = text.charCodeAt(++i)
  if (c === 48) c = text.charCodeAt(++i)
  else if (c >= 49 && c <= 57) {
    do c = text.charCodeAt(++i)
    while (c >= 48 && c <= 57)
  } else return -1
  if (c === 46) {
    c = text.charCodeAt(++i)
    if (!(c >= 48 && c <= 57)) return -1
    do c = text.charCodeAt(++i)
    while (c >= 48 && c <= 57)
  }
  if (c === 101 || c === 69) {
    c = text.charCodeAt(++i)
    if (c === 43 || c === 45) c = text.charCodeAt(++i)
    if (!(c >= 48 && c <= 57)) return -1
    do c = text.charCodeAt(++i)
    while (c >= 48 && c <= 57)
  }
  return i
}

function isBlank(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70)
}

function grow(records: Int32Array) {
  const bigger = new Int32Array(records.length * 2)
  bigger.set(records)
  return bigger
}
