import { createReadStream } from 'node:fs'

/** One input line with where it ends in the file (the offset a resume starts from). */
export interface InputLine {
  /** 1-based line number in the file. */
  number: number
  /** The line without its `\n` (and `\r`); empty when `tooLong`. */
  text: string
  /** Byte offset just past this line's newline. */
  endOffset: number
  /** The line exceeded the length limit and was skipped without being held in memory. */
  tooLong: boolean
}

export interface ReadLinesOptions {
  /** Byte offset to start at (the start of a line). @default 0 */
  start?: number
  /** Number of the line at `start`. @default 1 */
  firstLine?: number
  /** Longer lines are reported as `tooLong` and never buffered whole. */
  maxLineBytes: number
  /** Read size; memory stays within a few of these plus one line. */
  chunkBytes?: number
}

/**
 * Yields the file's lines, reading only as fast as the consumer pulls (async iteration of the
 * stream is the backpressure), so a file of any size is read in constant memory.
 */
export async function* readLines(path: string, options: ReadLinesOptions): AsyncGenerator<InputLine> {
  let offset = options.start ?? 0
  let number = options.firstLine ?? 1
  let pending: Buffer[] = []
  let pendingBytes = 0
  let skipping = false
  const stream = createReadStream(path, { start: offset, highWaterMark: options.chunkBytes ?? 256 * 1024 })
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let from = 0
    for (let nl = chunk.indexOf(10, from); nl !== -1; nl = chunk.indexOf(10, from)) {
      const piece = chunk.subarray(from, nl)
      const lineBytes = pendingBytes + piece.length
      offset += nl + 1 - from
      if (skipping || lineBytes > options.maxLineBytes) {
        yield { number, text: '', endOffset: offset, tooLong: true }
      } else {
        const whole = pending.length === 0 ? piece : Buffer.concat([...pending, piece], lineBytes)
        yield { number, text: stripCr(whole.toString('utf8')), endOffset: offset, tooLong: false }
      }
      number++
      pending = []
      pendingBytes = 0
      skipping = false
      from = nl + 1
    }
    const rest = chunk.subarray(from)
    offset += rest.length
    if (skipping) continue
    if (pendingBytes + rest.length > options.maxLineBytes) {
      skipping = true
      pending = []
      pendingBytes = 0
    } else if (rest.length > 0) {
      // Copy: the stream may reuse the chunk's memory.
      pending.push(Buffer.from(rest))
      pendingBytes += rest.length
    }
  }
  if (skipping) yield { number, text: '', endOffset: offset, tooLong: true }
  else if (pendingBytes > 0) yield { number, text: stripCr(Buffer.concat(pending, pendingBytes).toString('utf8')), endOffset: offset, tooLong: false }
}

function stripCr(text: string): string {
  return text.endsWith('\r') ? text.slice(0, -1) : text
}
