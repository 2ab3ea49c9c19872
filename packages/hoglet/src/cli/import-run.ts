import { appendFileSync, existsSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { basename, resolve } from 'node:path'
import { sendBatch } from './batch-sender.js'
import { type Checkpoint, readCheckpoint, writeCheckpoint } from './checkpoint.js'
import { parseCsvRecord } from './csv.js'
import { type ImportEvent, type Mapped, mapCsvRecord, mapJsonLine } from './event-mapping.js'
import type { ImportOptions } from './import-args.js'
import { readLines } from './line-reader.js'
import { Progress, type ProgressOutput, formatDuration } from './progress.js'

/** Longest accepted line (or multi-line CSV record); longer ones are rejected unread. */
const MAX_LINE_BYTES = 1024 * 1024
/** A batch is sent early when its JSON would pass this, well under PostHog's 20 MB limit. */
const MAX_BATCH_BYTES = 4 * 1024 * 1024

export interface ImportIo {
  stdout: ProgressOutput
  stderr: ProgressOutput
  /** Listen to SIGINT/SIGTERM to stop cleanly (the CLI does; tests calling `runImport` need not). */
  handleSignals?: boolean
}

export const EXIT = { ok: 0, failed: 1, usage: 2, rejected: 3, interrupted: 130 } as const

/** Lines read but not yet acknowledged, with where the file stands after them. */
interface PendingBatch {
  events: ImportEvent[]
  bytes: number
  rejects: string
  rejectedByReason: Record<string, number>
  rejected: number
  endOffset: number
  nextLine: number
}

/** Runs one import to its end, an interruption or a failure; returns the exit code. */
export async function runImport(options: ImportOptions, io: ImportIo): Promise<number> {
  const file = resolve(options.file)
  let size: number
  try {
    size = statSync(file).size
  } catch (err) {
    io.stderr.write(`hoglet import: cannot read ${options.file}: ${(err as Error).message}\n`)
    return EXIT.failed
  }
  const source = options.source ?? basename(file)
  const checkpointPath = options.checkpoint ?? `${file}.checkpoint.json`
  const rejectsPath = options.rejects ?? `${file}.rejects.jsonl`
  const mapping = JSON.stringify({ format: options.format, fields: options.fields, source })

  let state: Checkpoint = {
    version: 1, input: { path: file, size, source }, mapping, offset: 0, line: 1,
    sent: 0, rejected: 0, rejectedByReason: {}, rejectsBytes: 0, complete: false,
  }
  const previous = options.dryRun || options.restart ? undefined : readCheckpoint(checkpointPath)
  if (previous) {
    const mismatch = previous.input.path !== file ? 'another file' : previous.input.size !== size ? 'the file at a different size (it changed)' : previous.mapping !== mapping ? 'different format or field options' : undefined
    if (mismatch) {
      io.stderr.write(`hoglet import: ${checkpointPath} belongs to an import of ${mismatch}; use --restart to start over, or --checkpoint for another file\n`)
      return EXIT.failed
    }
    if (previous.complete) {
      io.stdout.write(`hoglet import: ${options.file} was already imported (${previous.sent} events); use --restart to import it again\n`)
      return EXIT.ok
    }
    state = previous
    io.stderr.write(`hoglet import: resuming at line ${state.line} (${state.sent} events already sent)\n`)
  }
  // The rejects report is cut back to what the checkpoint knows, so a resume never repeats a line in it.
  if (existsSync(rejectsPath)) truncateSync(rejectsPath, state.rejectsBytes)
  else writeFileSync(rejectsPath, '')

  let stopping = false
  const onSignal = (): void => {
    if (stopping) process.exit(EXIT.interrupted)
    stopping = true
  }
  if (io.handleSignals) {
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
  }

  const startedAt = Date.now()
  const startLine = state.line
  const startSent = state.sent
  let readOffset = state.offset
  const progress = new Progress(io.stderr, view(), options.progressIntervalMs)
  function view() {
    return { bytesDone: readOffset, bytesTotal: size, sent: state.sent, rejected: state.rejected }
  }

  let failure: Error | undefined
  let inflight: Promise<void> | undefined
  let batch = emptyBatch(state.offset, state.line)
  let header = state.header
  let carry: { text: string; line: number } | undefined

  const deliver = async (done: PendingBatch): Promise<void> => {
    if (done.events.length > 0 && !options.dryRun) {
      await sendBatch(done.events, { host: options.host, apiKey: options.apiKey, gzip: options.gzip, maxRetries: options.maxRetries, timeoutMs: 30_000, retryBaseMs: 500 }, (attempt, why) =>
        io.stderr.write(`\nhoglet import: retrying a batch (attempt ${attempt}): ${why}\n`),
      )
    }
    if (done.rejects !== '') appendFileSync(rejectsPath, done.rejects)
    state.sent += done.events.length
    state.rejected += done.rejected
    for (const [reason, n] of Object.entries(done.rejectedByReason)) state.rejectedByReason[reason] = (state.rejectedByReason[reason] ?? 0) + n
    state.rejectsBytes += Buffer.byteLength(done.rejects)
    state.offset = done.endOffset
    state.line = done.nextLine
    if (!options.dryRun) writeCheckpoint(checkpointPath, state)
    progress.update(view())
  }
  /** Hands the batch over once the previous one is acknowledged: never more than one in flight. */
  const ship = async (): Promise<void> => {
    const done = batch
    batch = emptyBatch(done.endOffset, done.nextLine)
    if (inflight) await inflight
    if (failure) return
    inflight = deliver(done).catch((err: Error) => {
      failure = err
    })
  }
  const reject = (line: number, reason: string): void => {
    batch.rejects += `${JSON.stringify({ line, reason })}\n`
    batch.rejected++
    batch.rejectedByReason[reason] = (batch.rejectedByReason[reason] ?? 0) + 1
  }
  const accept = (mapped: Mapped, line: number): void => {
    if (!mapped.ok) return reject(line, mapped.reason)
    batch.events.push(mapped.event)
    batch.bytes += JSON.stringify(mapped.event).length
  }

  try {
    for await (const input of readLines(file, { start: state.offset, firstLine: state.line, maxLineBytes: MAX_LINE_BYTES })) {
      readOffset = input.endOffset
      if (input.tooLong) {
        if (carry) reject(carry.line, 'unterminated quoted field')
        carry = undefined
        reject(input.number, `line longer than ${MAX_LINE_BYTES} bytes`)
      } else if (options.format === 'jsonl') {
        if (input.text.trim() !== '') accept(mapJsonLine(input.text, input.number, source, options.fields), input.number)
      } else {
        const text = carry ? `${carry.text}\n${input.text}` : input.text
        const line = carry?.line ?? input.number
        const values = text.length > MAX_LINE_BYTES ? null : parseCsvRecord(text)
        if (values === undefined) carry = { text, line }
        else {
          carry = undefined
          if (values === null) reject(line, 'unterminated quoted field')
          else if (header === undefined) {
            header = values.map((v) => v.trim())
            state.header = header
          } else if (text.trim() !== '') accept(mapCsvRecord(header, values, text, line, source, options.fields), line)
        }
      }
      // A CSV record still open is not past its end yet: a resume must start at its first line.
      if (!carry) {
        batch.endOffset = input.endOffset
        batch.nextLine = input.number + 1
      }
      if (batch.events.length >= options.batchSize || batch.bytes >= MAX_BATCH_BYTES) await ship()
      else progress.update(view())
      if (failure || stopping) break
    }
    if (carry && !failure && !stopping) {
      reject(carry.line, 'unterminated quoted field')
      batch.endOffset = readOffset
      batch.nextLine = Number.MAX_SAFE_INTEGER
    }
    if (!failure && !stopping) await ship()
    if (inflight) await inflight
  } catch (err) {
    failure = err as Error
  } finally {
    if (io.handleSignals) {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    }
  }

  const complete = !failure && !stopping
  if (complete && !options.dryRun) {
    state.complete = true
    writeCheckpoint(checkpointPath, state)
  }
  progress.finish(view())
  const seconds = (Date.now() - startedAt) / 1000
  const sentNow = state.sent - startSent
  const outcome = failure ? 'failed' : stopping ? 'interrupted' : options.dryRun ? 'dry run done (nothing sent)' : 'done'
  const lines = [
    `hoglet import: ${outcome}`,
    `  ${options.dryRun ? 'valid events' : 'events sent'}: ${state.sent}${startLine > 1 ? ` (${sentNow} in this run, resumed at line ${startLine})` : ''}`,
    `  rejected lines: ${state.rejected}${state.rejected > 0 ? ` (${Object.entries(state.rejectedByReason).map(([r, n]) => `${r}: ${n}`).join(', ')}); report: ${rejectsPath}` : ''}`,
    `  time: ${formatDuration(seconds)}, ${Math.round(sentNow / Math.max(seconds, 0.001))} events/s`,
  ]
  if (failure) lines.push(`  error: ${failure.message}`)
  if (!complete && !options.dryRun) lines.push(`  checkpoint: ${checkpointPath} (run the same command to resume at line ${state.line})`)
  io.stdout.write(`${lines.join('\n')}\n`)
  if (failure) return EXIT.failed
  if (stopping) return EXIT.interrupted
  return state.rejected > 0 ? EXIT.rejected : EXIT.ok
}

function emptyBatch(endOffset: number, nextLine: number): PendingBatch {
  return { events: [], bytes: 0, rejects: '', rejectedByReason: {}, rejected: 0, endOffset, nextLine }
}
