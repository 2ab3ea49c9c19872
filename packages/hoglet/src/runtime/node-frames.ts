import { deferred, nodeBuiltin } from './node-builtins.js'
import type { StackFrame } from '../exceptions/stack-parser.js'

// What PostHog's Node SDK sends per frame, so error tracking groups and renders hoglet's
// `$exception` events the same way: a module name, the filename relative to the working
// directory, and up to 7 source lines either side of the frame's line.
const CONTEXT_LINES = 7
const MAX_FILE_BYTES = 10 * 1024 * 1024
const MAX_LINENO = 10_000
const MAX_COLNO = 1_000
const MAX_LINE_CHARS = 150
const SNIPPET_CHARS = 140
const CACHED_FILES = 25
/** Key under which a file's line count is kept with its lines. */
const END_OF_FILE = 0

// node:path loads with the first exception, not when hoglet is imported.
const dirname = /* @__PURE__ */ deferred('node:path', 'dirname')
const isAbsolute = /* @__PURE__ */ deferred('node:path', 'isAbsolute')
const relative = /* @__PURE__ */ deferred('node:path', 'relative')
const parsePosix = (path: string) => nodeBuiltin('node:path').posix.parse(path)

const isWindows = process.platform === 'win32'
const toUnix = (path: string): string => (isWindows ? path.replace(/^[A-Z]:/, '').replace(/\\/g, '/') : path)

/** Lines read so far per file (1-based line number → text); `null` when the file cannot be read. */
const fileLines = new Map<string, Map<number, string> | null>()

/**
 * Sets `module`, `pre_context` / `context_line` / `post_context` and the relative `filename`
 * on frames parsed from a Node stack. Reads each source file synchronously at most once per
 * new range of lines (exceptions are rare; the capture path stays synchronous), keeping only
 * the lines used, for the last 25 files.
 */
export function refineNodeFrames(frames: StackFrame[]): void {
  let base: string | undefined
  let moduleBase: string | undefined
  try {
    base = process.cwd()
    moduleBase = process.argv[1] ? dirname(process.argv[1]) : base
  } catch {
    // A deleted working directory: leave paths absolute.
  }
  const wanted = new Map<string, number[]>()
  for (const frame of frames) {
    frame.module = moduleName(frame.filename, moduleBase)
    if (frame.lineno !== undefined && readableSource(frame)) {
      const list = wanted.get(frame.filename)
      if (list) list.push(frame.lineno)
      else wanted.set(frame.filename, [frame.lineno])
    }
  }
  for (const [file, lines] of wanted) loadLines(file, lines)
  for (const frame of frames) {
    const lines = frame.lineno === undefined ? undefined : fileLines.get(frame.filename)
    if (lines) addContext(frame, frame.lineno!, lines)
    if (base !== undefined && isAbsolute(frame.filename) && !frame.filename.startsWith('node:')) {
      frame.filename = toUnix(relative(toUnix(base), toUnix(frame.filename)))
    }
  }
}

/** `dir.sub:file` for application files, `package.dir:file` inside node_modules. */
function moduleName(filename: string, base: string | undefined): string | undefined {
  if (!filename) return undefined
  const parsed = parsePosix(toUnix(filename))
  let file = parsed.base
  if (parsed.ext === '.js' || parsed.ext === '.mjs' || parsed.ext === '.cjs') file = file.slice(0, -parsed.ext.length)
  try {
    file = decodeURIComponent(file)
  } catch {
    // Keep the raw name.
  }
  const dir = parsed.dir || '.'
  const inModules = dir.lastIndexOf('/node_modules')
  if (inModules !== -1) return `${dir.slice(inModules + '/node_modules/'.length).replace(/\//g, '.')}:${file}`
  const unixBase = base === undefined ? undefined : toUnix(base)
  if (unixBase !== undefined && dir.startsWith(unixBase)) {
    const name = dir.slice(unixBase.length + 1).replace(/\//g, '.')
    return name ? `${name}:${file}` : file
  }
  return file
}

function readableSource(frame: StackFrame): boolean {
  const name = frame.filename
  if (!isAbsolute(name) || name.startsWith('node:') || name.startsWith('data:')) return false
  if (/\.min\.[cm]?js$/.test(name)) return false
  return (frame.lineno ?? 0) <= MAX_LINENO && (frame.colno ?? 0) <= MAX_COLNO
}

function loadLines(file: string, linenos: number[]): void {
  const cached = fileLines.get(file)
  if (cached === null) return
  if (cached && linenos.every((n) => hasRange(cached, n))) return
  const text = readSmallFile(file)
  if (text === undefined) return remember(file, null)
  const all = text.split(/\r?\n/)
  if (all[all.length - 1] === '') all.pop()
  const kept = cached ?? new Map<number, string>()
  for (const lineno of linenos) {
    for (let n = Math.max(1, lineno - CONTEXT_LINES); n <= lineno + CONTEXT_LINES && n <= all.length; n++) {
      kept.set(n, snip(all[n - 1]!))
    }
  }
  kept.set(END_OF_FILE, String(all.length))
  remember(file, kept)
}

/** Whether every line a frame at `lineno` shows is known (the file may end before the range does). */
function hasRange(lines: Map<number, string>, lineno: number): boolean {
  const end = Math.min(lineno + CONTEXT_LINES, Number(lines.get(END_OF_FILE)))
  for (let n = Math.max(1, lineno - CONTEXT_LINES); n <= end; n++) if (!lines.has(n)) return false
  return true
}

function remember(file: string, lines: Map<number, string> | null): void {
  fileLines.delete(file)
  fileLines.set(file, lines)
  if (fileLines.size > CACHED_FILES) fileLines.delete(fileLines.keys().next().value!)
}

function readSmallFile(file: string): string | undefined {
  const { closeSync, fstatSync, openSync, readSync } = nodeBuiltin('node:fs')
  let fd: number | undefined
  try {
    fd = openSync(file, 'r')
    const stat = fstatSync(fd)
    if (!stat.isFile() || stat.size > MAX_FILE_BYTES) return undefined
    const buffer = Buffer.allocUnsafe(stat.size)
    let read = 0
    while (read < stat.size) {
      const n = readSync(fd, buffer, read, stat.size - read, read)
      if (n === 0) break
      read += n
    }
    return buffer.toString('utf8', 0, read)
  } catch {
    return undefined
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

function addContext(frame: StackFrame, lineno: number, lines: Map<number, string>): void {
  const pre: string[] = []
  for (let n = Math.max(1, lineno - CONTEXT_LINES); n < lineno; n++) {
    const line = lines.get(n)
    if (line === undefined) return
    pre.push(line)
  }
  const current = lines.get(lineno)
  if (current === undefined) return
  const post: string[] = []
  for (let n = lineno + 1; n <= lineno + CONTEXT_LINES; n++) {
    const line = lines.get(n)
    if (line === undefined) break
    post.push(line)
  }
  frame.pre_context = pre
  frame.context_line = current
  frame.post_context = post
}

/** Long lines (minified code) are cut to 140 characters around the start, marked with `...`. */
function snip(line: string): string {
  if (line.length <= MAX_LINE_CHARS) return line
  let end = Math.min(SNIPPET_CHARS, line.length)
  if (end > line.length - 5) end = line.length
  const start = end === line.length ? Math.max(end - SNIPPET_CHARS, 0) : 0
  return `${start > 0 ? '...' : ''}${line.slice(start, end)}${end < line.length ? '...' : ''}`
}
