import { deferred } from './node-builtins.js'
import type { LaneSpool, SpoolHost, SpoolOptions, SpoolRecord, SpoolStore } from '../pipeline/spool.js'

// node:fs, node:os and node:path load when the spool is first used, not when hoglet is imported.
const join = /* @__PURE__ */ deferred('node:path', 'join')
const appendFileSync = /* @__PURE__ */ deferred('node:fs', 'appendFileSync')
const closeSync = /* @__PURE__ */ deferred('node:fs', 'closeSync')
const fdatasync = /* @__PURE__ */ deferred('node:fs', 'fdatasync')
const fdatasyncSync = /* @__PURE__ */ deferred('node:fs', 'fdatasyncSync')
const mkdirSync = /* @__PURE__ */ deferred('node:fs', 'mkdirSync')
const openSync = /* @__PURE__ */ deferred('node:fs', 'openSync')
const readdirSync = /* @__PURE__ */ deferred('node:fs', 'readdirSync')
const readFileSync = /* @__PURE__ */ deferred('node:fs', 'readFileSync')
const renameSync = /* @__PURE__ */ deferred('node:fs', 'renameSync')
const rmdirSync = /* @__PURE__ */ deferred('node:fs', 'rmdirSync')
const unlinkSync = /* @__PURE__ */ deferred('node:fs', 'unlinkSync')
const writeSync = /* @__PURE__ */ deferred('node:fs', 'writeSync')
const tmpdir = /* @__PURE__ */ deferred('node:os', 'tmpdir')

/**
 * The durable spool over files (Node, Bun and Deno through node:fs).
 *
 * Layout: `<directory>/<namespace>/p-<pid>-<random>/` belongs to one running client; inside,
 * one append-only segment file per lane at a time (`batch-00000001.seg`, `ai-…`), one line
 * per event: `<json length> <form> <capture time> <json>\n`. At start a client takes over the
 * directories of processes that are no longer alive by renaming each into its own directory
 * (`inherited-…`): a rename succeeds for one process only, so two processes never replay the
 * same events. Inherited events are replayed first, oldest first, with their uuids and
 * timestamps unchanged (the stored JSON is what was queued).
 *
 * A segment is deleted once all its events are settled. Until then `<segment>.ack` is its
 * append-only journal, one line per step, in record numbers of the segment file (0-based):
 * `s <from> <to>` when a batch of those records goes out, `d <from> <to>` right after its
 * answer settled them (a 2xx, or a refusal that drops them) or when records are dropped on
 * the client. A restart replays only records no `d` line covers, so a kill re-sends exactly
 * the batches that were in flight (an `s` without its `d`): the server may have stored them
 * without this process hearing so, and stores an event once per uuid. `'always'` fdatasyncs
 * each journal line; otherwise the OS writes it back (a process crash loses none; a power cut
 * may re-send, never lose, the last batches).
 * (Spools of the previous format hold one number, the count of settled leading records: read as `d 0 <n>`.)
 */

/** Directories owned by clients alive in this process: never taken over, although their pid is ours. */
const liveDirectories = new Set<string>()

/** Segments roll over at this size (smaller when the byte bound is small), so delivered events free disk soon. */
const SEGMENT_BYTES = 1024 * 1024

interface Segment {
  readonly path: string
  readonly dir: string
  /** Sequence number of the segment's first event still to settle in this process. */
  readonly startSeq: number
  /**
   * A replayed segment: the file record number of each replayed event (sequence number minus
   * `startSeq` indexes it); its other records were settled by earlier processes. Undefined for
   * a segment this process writes, whose record numbers are sequence number minus `startSeq`.
   */
  readonly records: readonly number[] | undefined
  /** Sequence number up to which the settled prefix is journaled. */
  acked: number
  /** Sequence number after the segment's last event. */
  endSeq: number
  bytes: number
  evicted: boolean
}

interface Current extends Segment {
  fd: number
}

function isAlive(pid: number): boolean {
  // Our own pid: an earlier process that had it (containers reuse pid 1), or a client of this
  // process that shut down; live clients' directories are skipped before this (liveDirectories).
  if (pid === process.pid) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function randomSuffix(): string {
  return Math.random().toString(36).slice(2, 10)
}

function laneName(path: string): string {
  return path.includes('/ai/') ? 'ai' : 'batch'
}

/** Inherited directories (recursively, oldest first) and then `dir`'s own segments of `lane`: the replay order. */
function segmentFiles(dir: string, lane: string, out: Array<{ path: string; dir: string }>): void {
  let entries: string[]
  try {
    entries = readdirSync(dir).sort()
  } catch {
    return
  }
  for (const name of entries) if (name.startsWith('inherited-')) segmentFiles(join(dir, name), lane, out)
  for (const name of entries) if (name.startsWith(`${lane}-`) && name.endsWith('.seg')) out.push({ path: join(dir, name), dir })
}

/** A segment's journal as read at start: which records are settled, which were in flight. */
interface SegmentJournal {
  /** Record ranges `[from, to)` settled (delivered or dropped). */
  readonly settled: Array<[number, number]>
  /** Record ranges `[from, to)` sent in a request (settled or not). */
  readonly sent: Array<[number, number]>
}

/** Reads `<segment>.ack` (missing: nothing settled); a line cut short by a crash is ignored. */
function readJournal(segmentPath: string): SegmentJournal {
  const journal: SegmentJournal = { settled: [], sent: [] }
  let text: string
  try {
    text = readFileSync(`${segmentPath}.ack`, 'utf8')
  } catch {
    return journal
  }
  const legacy = /^\d+$/.exec(text.trim())
  if (legacy) {
    journal.settled.push([0, Number(legacy[0])])
    return journal
  }
  for (const line of text.split('\n')) {
    const match = /^([sd]) (\d+) (\d+)$/.exec(line)
    if (!match) continue
    const range: [number, number] = [Number(match[2]), Number(match[3])]
    ;(match[1] === 'd' ? journal.settled : journal.sent).push(range)
  }
  return journal
}

/** Marks the ranges in a per-record flag array (records beyond its end are ignored). */
function markRanges(flags: Uint8Array, ranges: ReadonlyArray<[number, number]>): void {
  for (const [from, to] of ranges) flags.fill(1, Math.min(from, flags.length), Math.min(to, flags.length))
}

/**
 * Parses one segment, skipping the records its journal marks settled; counts records that are
 * cut short or malformed (a crash mid-write, a damaged disk) and replayed records that were
 * in a request in flight at the crash. Every line counts as a record number, as the writer
 * numbered them.
 */
function readSegment(text: string, journal: SegmentJournal, out: SpoolRecord[]): { records: number[]; corrupt: number; inFlight: number } {
  const lines = countLines(text)
  const settled = new Uint8Array(lines)
  const sent = new Uint8Array(lines)
  markRanges(settled, journal.settled)
  markRanges(sent, journal.sent)
  const records: number[] = []
  let corrupt = 0
  let inFlight = 0
  let start = 0
  for (let line = 0; start < text.length; line++) {
    const end = text.indexOf('\n', start)
    if (end < 0) {
      corrupt++ // a tail without its newline: the write was cut short
      break
    }
    if (settled[line] === 0) {
      const record = parseLine(text, start, end)
      if (record) {
        out.push(record)
        records.push(line)
        if (sent[line] === 1) inFlight++
      } else corrupt++
    }
    start = end + 1
  }
  return { records, corrupt, inFlight }
}

function countLines(text: string): number {
  let count = 0
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) count++
  return count
}

function parseLine(text: string, start: number, end: number): SpoolRecord | undefined {
  const a = text.indexOf(' ', start)
  const b = a < 0 ? -1 : text.indexOf(' ', a + 1)
  const c = b < 0 ? -1 : text.indexOf(' ', b + 1)
  if (c < 0 || c >= end) return undefined
  const length = Number(text.slice(start, a))
  const form = Number(text.slice(a + 1, b))
  const time = Number(text.slice(b + 1, c))
  const json = text.slice(c + 1, end)
  if (json.length !== length || !(form >= 0 && form <= 3) || !Number.isFinite(time)) return undefined
  if (json.charCodeAt(0) !== 123 /* { */ || json.charCodeAt(json.length - 1) !== 125 /* } */) return undefined
  return { json, time, form }
}

class FileLaneSpool implements LaneSpool {
  readonly replayed: SpoolRecord[] = []
  /** Replayed events that were in a request in flight when their process died: the server may have them. */
  replayedInFlight = 0
  readonly #store: FileSpoolStore
  readonly #lane: string
  readonly #host: SpoolHost
  readonly #segments: Segment[] = []
  #current: Current | undefined
  #appended = 0
  #done = 0
  #liveBytes = 0
  #dirty = false
  #failed = false
  #closed = false

  constructor(store: FileSpoolStore, lane: string, host: SpoolHost) {
    this.#store = store
    this.#lane = lane
    this.#host = host
    const files: Array<{ path: string; dir: string }> = []
    for (const dir of store.inherited) segmentFiles(dir, lane, files)
    let corrupt = 0
    for (const file of files) {
      let text: string
      try {
        text = readFileSync(file.path, 'utf8')
      } catch {
        continue
      }
      const startSeq = this.#appended
      const read = readSegment(text, readJournal(file.path), this.replayed)
      corrupt += read.corrupt
      this.replayedInFlight += read.inFlight
      this.#appended += read.records.length
      this.#segments.push({ path: file.path, dir: file.dir, startSeq, records: read.records, acked: startSeq, endSeq: this.#appended, bytes: text.length, evicted: false })
      this.#liveBytes += text.length
    }
    if (corrupt > 0) {
      host.warn(new Error(`the spool held ${corrupt} damaged record(s) (a write cut short by a crash, or a damaged file); they were skipped`))
    }
  }

  append(json: string, time: number, form: number): void {
    if (this.#failed || this.#closed) return
    const line = `${json.length} ${form} ${time} ${json}\n`
    try {
      const current = this.#current ?? this.#open()
      writeSync(current.fd, line)
      current.bytes += line.length
      current.endSeq = ++this.#appended
      this.#liveBytes += line.length
      if (this.#store.fsync === 'always') fdatasyncSync(current.fd)
      else this.#dirty = true
      if (current.bytes >= this.#store.segmentBytes) this.#roll()
    } catch (error) {
      // A full or read-only disk: events stay in memory and are still sent; warn once.
      this.#failed = true
      this.#host.warn(new Error(`the spool cannot be written (${(error as Error)?.message ?? error}); events are kept in memory only from now on`))
      return
    }
    if (this.#liveBytes > this.#store.maxBytes) this.#evict()
  }

  settled(done: number): void {
    if (done < this.#done) return
    this.#done = done
    const segments = this.#segments
    while (segments.length > 0 && segments[0].endSeq <= done) {
      const segment = segments.shift()!
      if (!segment.evicted) this.#liveBytes -= segment.bytes
      this.#store.remove(segment.path, segment.dir)
    }
    // The segment settled part-way (the oldest left, or the one being written): journal how far.
    const partial = segments.length > 0 ? segments[0] : this.#current
    if (partial !== undefined && done > partial.acked) {
      this.#journal(partial, 'd', partial.acked, done)
      partial.acked = Math.min(done, partial.endSeq)
    }
  }

  settledRange(from: number, to: number): void {
    if (to <= this.#done) return // the settled prefix covers it already
    this.#eachSegment(from, to, (segment, a, b) => this.#journal(segment, 'd', a, b))
  }

  sending(from: number, to: number): void {
    if (this.#dirty && this.#store.fsync === 'batch' && this.#current !== undefined) {
      // The events go to disk before their batch goes out, off the event loop.
      this.#dirty = false
      fdatasync(this.#current.fd, () => {})
    }
    this.#eachSegment(from, to, (segment, a, b) => this.#journal(segment, 's', a, b))
  }

  /** Calls `fn` with each segment overlapping sequence numbers `[from, to)`, and the overlap. */
  #eachSegment(from: number, to: number, fn: (segment: Segment, from: number, to: number) => void): void {
    for (const segment of this.#current === undefined ? this.#segments : [...this.#segments, this.#current]) {
      const a = Math.max(from, segment.startSeq)
      const b = Math.min(to, segment.endSeq)
      if (a < b) fn(segment, a, b)
    }
  }

  /** Appends `<kind> <from> <to>` (sequence numbers `[from, to)` as the segment's record numbers) to its journal. */
  #journal(segment: Segment, kind: 's' | 'd', from: number, to: number): void {
    const a = Math.max(from, segment.startSeq) - segment.startSeq
    const b = Math.min(to, segment.endSeq) - segment.startSeq
    if (a >= b || this.#failed) return
    const records = segment.records
    // A replayed segment's records skip the ones settled earlier: the range may cover those again.
    const line = records === undefined ? `${kind} ${a} ${b}\n` : `${kind} ${records[a]} ${records[b - 1]! + 1}\n`
    try {
      if (this.#store.fsync === 'always') {
        const fd = openSync(`${segment.path}.ack`, 'a')
        try {
          writeSync(fd, line)
          fdatasyncSync(fd)
        } finally {
          closeSync(fd)
        }
      } else appendFileSync(`${segment.path}.ack`, line)
    } catch {
      // Without the line a restart re-sends these events (same uuids, stored once); nothing is lost.
    }
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    const current = this.#current
    this.#current = undefined
    if (current) {
      try {
        if (this.#store.fsync !== 'never' && this.#done < this.#appended) fdatasyncSync(current.fd)
        closeSync(current.fd)
      } catch {
        // Closing is best effort; the data was written already.
      }
      this.#segments.push(current)
    }
    this.settled(this.#done)
  }

  #open(): Current {
    const path = this.#store.nextSegmentPath(this.#lane)
    const fd = openSync(path, 'a')
    return (this.#current = { path, dir: this.#store.own, startSeq: this.#appended, records: undefined, acked: this.#appended, fd, endSeq: this.#appended, bytes: 0, evicted: false })
  }

  #roll(): void {
    const current = this.#current!
    this.#current = undefined
    this.#segments.push(current)
    const fd = current.fd
    if (this.#store.fsync === 'never') closeSync(fd)
    else fdatasync(fd, () => closeSync(fd))
    this.#dirty = false
  }

  /** Over the byte bound: the oldest segments' queued events are dropped, oldest first. */
  #evict(): void {
    while (this.#liveBytes > this.#store.maxBytes) {
      let oldest = this.#segments.find((s) => !s.evicted)
      if (oldest === undefined) {
        if (this.#current === undefined || this.#current.bytes === 0) return
        this.#roll()
        oldest = this.#segments[this.#segments.length - 1]
      }
      oldest.evicted = true
      this.#liveBytes -= oldest.bytes
      this.#host.evictBefore(oldest.endSeq)
    }
  }
}

/** One client's spool directory and the dead processes' directories it took over. */
export class FileSpoolStore implements SpoolStore {
  readonly own: string
  readonly inherited: string[] = []
  readonly fsync: SpoolOptions['fsync']
  readonly maxBytes: number
  readonly segmentBytes: number
  #segmentCounter = 0

  constructor(options: SpoolOptions) {
    this.fsync = options.fsync
    this.maxBytes = options.maxBytes
    this.segmentBytes = Math.max(4096, Math.min(SEGMENT_BYTES, Math.floor(options.maxBytes / 8)))
    const base = join(options.directory ?? join(tmpdir(), 'hoglet-spool'), options.namespace)
    mkdirSync(base, { recursive: true })
    this.own = join(base, `p-${process.pid}-${randomSuffix()}`)
    mkdirSync(this.own)
    liveDirectories.add(this.own)
    for (const name of readdirSync(base).sort()) {
      const match = /^p-(\d+)-/.exec(name)
      if (!match || liveDirectories.has(join(base, name)) || isAlive(Number(match[1]))) continue
      const target = join(this.own, `inherited-${name}`)
      try {
        renameSync(join(base, name), target) // atomic: only one process wins a dead directory
        this.inherited.push(target)
      } catch {
        // Another process took it first.
      }
    }
  }

  open(lane: string, host: SpoolHost): LaneSpool {
    return new FileLaneSpool(this, laneName(lane), host)
  }

  /** True when an inherited directory holds events for `lane` (the AI lane is then opened at start). */
  hasInherited(lane: string): boolean {
    const files: Array<{ path: string; dir: string }> = []
    for (const dir of this.inherited) segmentFiles(dir, laneName(lane), files)
    return files.length > 0
  }

  nextSegmentPath(lane: string): string {
    return join(this.own, `${lane}-${String(++this.#segmentCounter).padStart(8, '0')}.seg`)
  }

  /**
   * Deletes a settled segment; an inherited directory goes once it is empty. The segment goes
   * before its journal: a kill between the two leaves a journal of nothing (removed later),
   * never a segment without its journal, which would replay every event in it.
   */
  remove(path: string, dir: string): void {
    for (const file of [path, `${path}.ack`]) {
      try {
        unlinkSync(file)
      } catch {
        // Already gone (or never written: the .ack).
      }
    }
    if (dir !== this.own) removeEmptyDirs(dir, this.own)
  }

  close(): void {
    liveDirectories.delete(this.own)
    removeEmptyDirs(this.own, undefined)
  }
}

/**
 * Removes `dir` and then its parents up to (excluding) `stop`, as long as they hold nothing but
 * journals whose segment is gone (a kill between the two deletions of `remove`).
 */
function removeEmptyDirs(dir: string, stop: string | undefined): void {
  try {
    const names = readdirSync(dir)
    for (const name of names) {
      if (name.startsWith('inherited-')) removeEmptyDirs(join(dir, name), dir)
      else if (name.endsWith('.seg.ack') && !names.includes(name.slice(0, -4))) unlinkSync(join(dir, name))
    }
    rmdirSync(dir)
  } catch {
    return // not empty (unsettled events stay for the next start), or gone
  }
  if (stop !== undefined) {
    const parent = join(dir, '..')
    if (parent !== stop && parent.startsWith(stop)) removeEmptyDirs(parent, stop)
  }
}

export function openFileSpool(options: SpoolOptions): FileSpoolStore {
  return new FileSpoolStore(options)
}
