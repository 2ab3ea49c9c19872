/** One stack frame as PostHog's error tracking expects it in a raw stacktrace. */
export interface StackFrame {
  /** The file (on Node, relative to the working directory once refined). */
  filename: string
  /** Dotted module name derived from the file (Node only, set when frames are refined). */
  module?: string
  function: string
  lineno?: number
  colno?: number
  /** False for dependencies (`node_modules`) and runtime internals (`node:`, `internal/`, native). */
  in_app: boolean
  platform: string
  /** Source lines around the frame's line, read from the file (Node only). */
  pre_context?: string[]
  context_line?: string
  post_context?: string[]
}

/** Frames beyond this are dropped: the innermost 50 are kept, as PostHog's SDKs keep them. */
const MAX_FRAMES = 50
const UNKNOWN_FUNCTION = '?'

// Trailing ":line" or ":line:col" of a location.
const LINE_COL = /:(\d+)(?::(\d+))?$/
// V8 eval frames carry their origin in the location: "at eval (eval at fn (file:1:2), <anonymous>:1:1)".
const V8_EVAL_ORIGIN = /\(eval at [^(]*\(([^()]+?):(\d+):(\d+)\)/

/**
 * Parses an `Error#stack` string into frames ordered as PostHog expects: from the outermost
 * call to the throw site (the reverse of how engines print them). Lines that are not frames
 * (the message, "...", blank lines) are skipped. Plain string scanning, no backtracking
 * regular expressions: a stack parses in a few microseconds.
 */
export function parseStack(stack: string | undefined, platform = 'node:javascript'): StackFrame[] {
  if (!stack) return []
  const frames: StackFrame[] = []
  // One format per stack: a V8 message line that happens to contain "@" is not a Gecko frame.
  const v8 = /(^|\n)\s*at /.test(stack)
  for (const raw of stack.split('\n')) {
    if (frames.length >= MAX_FRAMES) break
    const line = raw.trim()
    const frame = v8 ? (line.startsWith('at ') ? parseV8(line.slice(3), platform) : undefined) : line.includes('@') ? parseGecko(line, platform) : undefined
    if (frame) frames.push(frame)
  }
  return frames.reverse()
}

/** V8 (Node, Deno, Chromium, Bun): "fn (location)" or "location", after the leading "at ". */
function parseV8(line: string, platform: string): StackFrame | undefined {
  // "at async fn (location)" and "at async location": the frame of an awaiting async function.
  const rest = line.startsWith('async ') ? line.slice(6) : line
  const open = rest.endsWith(')') ? rest.indexOf(' (') : -1
  const fn = open === -1 ? undefined : v8FunctionName(rest.slice(0, open))
  const location = open === -1 ? rest : rest.slice(open + 2, -1)
  if (location.startsWith('eval at ')) {
    const origin = V8_EVAL_ORIGIN.exec(rest)
    return origin ? makeFrame(fn ?? 'eval', origin[1], origin[2], origin[3], platform) : undefined
  }
  // "at Promise.all (index 0)": Node's promise combinators, named as PostHog's SDKs name them.
  if (fn !== undefined && /^index \d+$/.test(location)) {
    return makeFrame(fn, /^Promise\.(all|any)$/.test(fn) ? 'node:internal/promise' : location, undefined, undefined, platform)
  }
  return withPosition(fn, location, platform)
}

/**
 * A V8 function name as PostHog's Node SDK reports it: `Type.method` kept (aliases such as
 * `[as handler]` included), the `Object.<anonymous>` of module code as `Object.?`, and
 * the `.Module` wrapper of CommonJS dropped.
 */
function v8FunctionName(raw: string): string {
  let name = raw
  let methodStart = name.lastIndexOf('.')
  if (name[methodStart - 1] === '.') methodStart--
  if (methodStart <= 0) return name || UNKNOWN_FUNCTION
  let object = name.slice(0, methodStart)
  const method = name.slice(methodStart + 1)
  const moduleAt = object.indexOf('.Module')
  if (moduleAt > 0) {
    name = name.slice(moduleAt + 1)
    object = object.slice(0, moduleAt)
  }
  return method === '<anonymous>' ? `${object}.${UNKNOWN_FUNCTION}` : name
}

/** SpiderMonkey and JavaScriptCore: "fn@location" or "@location". */
function parseGecko(line: string, platform: string): StackFrame | undefined {
  const at = line.indexOf('@')
  const location = line.slice(at + 1)
  if (!LINE_COL.test(location) && !/^[a-z][a-z0-9+.-]*:/i.test(location) && !location.startsWith('/')) return undefined
  return withPosition(line.slice(0, at), location, platform)
}

function withPosition(fn: string | undefined, location: string, platform: string): StackFrame {
  const position = LINE_COL.exec(location)
  if (!position) return makeFrame(fn, location, undefined, undefined, platform)
  return makeFrame(fn, location.slice(0, position.index), position[1], position[2], platform)
}

function makeFrame(
  fn: string | undefined,
  location: string | undefined,
  lineno: string | undefined,
  colno: string | undefined,
  platform: string,
): StackFrame {
  const path = toPath(location ?? '<anonymous>')
  const frame: StackFrame = {
    filename: path,
    function: cleanFunctionName(fn),
    in_app: isInApp(path),
    platform,
  }
  if (lineno) frame.lineno = Number(lineno)
  if (colno) frame.colno = Number(colno)
  return frame
}

function cleanFunctionName(fn: string | undefined): string {
  return fn || UNKNOWN_FUNCTION
}

function toPath(location: string): string {
  if (!location.startsWith('file://')) return location
  try {
    return decodeURIComponent(new URL(location).pathname)
  } catch {
    return location
  }
}

/**
 * Application code, as opposed to dependencies and runtime internals: an absolute path, a
 * relative `./` path or a URL, outside `node_modules` (`node:`, `<anonymous>`, `native` and
 * bare names are the runtime's), as PostHog's Node SDK decides it.
 */
export function isInApp(path: string): boolean {
  if (path.includes('node_modules/') || path.includes('\\node_modules\\') || path === 'native') return false
  return path.startsWith('/') || /^[A-Z]:/.test(path) || path.startsWith('.') || /^[a-zA-Z][a-zA-Z0-9.+-]*:\/\//.test(path)
}
