import { join } from 'node:path'
import { deferred } from './node-builtins.js'
import type { LaneSpool, SpoolHost, SpoolOptions, SpoolRecord, SpoolStore } from '../pipeline/spool.js'

// node:fs and node:os load when the spool is first used, not when hoglet is imported.
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
const writeFileSync = /* @__PURE__ */ deferred('node:fs', 'writeFileSync')
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
 * A segment is deleted once all its events are settled; until then `<segment>.ack` holds how
 * many of its first events are (rewritten once per settled batch), so a restart replays only
 * what was not delivered: a kill re-sends at most the batches that were in flight.
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
  /** Events of the file settled before `startSeq` (by earlier processes): skipped at replay. */
  readonly ackBase: number
  /** The settled count last written to `<path>.ack`. */
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

function readAck(path: string): number {
  try {
    const value = Number(readFileSync(`${path}.ack`, 'utf8'))
    return Number.isInteger(value) && value > 0 ? value : 0
  } catch {
    return 0
  }
}

/**
 * Parses one segment, skipping its first `skip` records (settled already); counts records
 * that are cut short or malformed (a crash mid-write, a damaged disk).
 */
function readSegment(text: string, skip: number, out: SpoolRecord[]): { records: number; corrupt: number } {
  let records = 0
  let corrupt = 0
  let start = 0
  let seen = 0
  while (start < text.length) {
    const end = text.indexOf('\n', start)
    if (end < 0) {
      corrupt++ // a tail without its newline: the write was cut short
      break
    }
    const record = parseLine(text, start, end)
    if (record) {
      if (seen++ >= skip) {
        out.push(record)
        records++
      }
    } else corrupt++
    start = end + 1
  }
  return { records, corrupt }
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
      const ackBase = readAck(file.path)
      const startSeq = this.#appended
      const read = readSegment(text, ackBase, this.replayed)
      corrupt += read.corrupt
      this.#appended += read.records
      this.#segments.push({ path: file.path, dir: file.dir, startSeq, ackBase, acked: ackBase, endSeq: this.#appended, bytes: text.length, evicted: false })
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
    // The segment settled part-way (the oldest left, or the one being written): record how far.
    const partial = segments.length > 0 ? segments[0] : this.#current
    if (partial !== undefined && done > partial.startSeq) this.#ack(partial, done)
  }

  #ack(segment: Segment, done: number): void {
    const acked = segment.ackBase + Math.min(done, segment.endSeq) - segment.startSeq
    if (acked <= segment.acked) return
    segment.acked = acked
    try {
      writeFileSync(`${segment.path}.ack`, String(acked))
    } catch {
      // Without the mark a restart re-sends these events (same uuids); nothing is lost.
    }
  }

  batchCut(): void {
    if (!this.#dirty || this.#store.fsync !== 'batch' || this.#current === undefined) return
    this.#dirty = false
    fdatasync(this.#current.fd, () => {})
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
    return (this.#current = { path, dir: this.#store.own, startSeq: this.#appended, ackBase: 0, acked: 0, fd, endSeq: this.#appended, bytes: 0, evicted: false })
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

  /** Deletes a settled segment; an inherited directory goes once it is empty. */
  remove(path: string, dir: string): void {
    for (const file of [`${path}.ack`, path]) {
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

/** Removes `dir` and then its parents up to (excluding) `stop`, as long as they are empty. */
function removeEmptyDirs(dir: string, stop: string | undefined): void {
  try {
    for (const name of readdirSync(dir)) if (name.startsWith('inherited-')) removeEmptyDirs(join(dir, name), dir)
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
