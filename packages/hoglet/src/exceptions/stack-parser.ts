/** One stack frame as PostHog's error tracking expects it in a raw stacktrace. */
export interface StackFrame {
  filename: string
  abs_path: string
  function: string
  lineno?: number
  colno?: number
  /** False for dependencies (`node_modules`) and runtime internals (`node:`, `internal/`, native). */
  in_app: boolean
  platform: string
}

/** Frames beyond this are dropped (the deepest, i.e. outermost callers, are kept last). */
const MAX_FRAMES = 100
const UNKNOWN_FUNCTION = '?'

// V8 (Node, Deno, Chromium, Bun's V8-compatible format): "    at fn (file:1:2)" or "    at file:1:2".
const V8_LINE = /^\s*at (?:(.+?) \()?((?:[a-z][a-z0-9+.-]*:)?[^()]*?|<anonymous>|native)(?::(\d+))?(?::(\d+))?\)?\s*$/i
// V8 eval frames carry their origin in the location: "at eval (eval at fn (file:1:2), <anonymous>:1:1)".
const V8_EVAL = /\((?:eval at [^(]*\()?((?:[a-z][a-z0-9+.-]*:)?[^()]+?):(\d+):(\d+)\)/i
// SpiderMonkey and JavaScriptCore: "fn@file:1:2" or "@file:1:2".
const GECKO_LINE = /^\s*(.*?)@(.+?)(?::(\d+))?(?::(\d+))?\s*$/

/**
 * Parses an `Error#stack` string into frames ordered as PostHog expects: from the outermost
 * call to the throw site (the reverse of how engines print them). Lines that are not frames
 * (the message, "...", blank lines) are skipped.
 */
export function parseStack(stack: string | undefined, platform = 'node:javascript'): StackFrame[] {
  if (!stack) return []
  const frames: StackFrame[] = []
  for (const line of stack.split('\n')) {
    if (frames.length >= MAX_FRAMES) break
    const frame = parseLine(line, platform)
    if (frame) frames.push(frame)
  }
  return frames.reverse()
}

function parseLine(line: string, platform: string): StackFrame | undefined {
  if (/^\s*at /.test(line)) return parseV8(line, platform)
  if (line.includes('@') && !/^\s*at /.test(line)) return parseGecko(line, platform)
  return undefined
}

function parseV8(line: string, platform: string): StackFrame | undefined {
  if (line.includes('(eval at ')) {
    const fn = /^\s*at (.+?) \(/.exec(line)?.[1] ?? 'eval'
    const loc = V8_EVAL.exec(line)
    if (!loc) return undefined
    return makeFrame(fn, loc[1], loc[2], loc[3], platform)
  }
  const match = V8_LINE.exec(line)
  if (!match) return undefined
  const [, fn, location, lineno, colno] = match
  // "at Promise.all (index 0)" and similar carry no file position.
  if (fn && location && /^index \d+$/.test(location)) return makeFrame(fn, '<anonymous>', undefined, undefined, platform)
  return makeFrame(fn, location, lineno, colno, platform)
}

function parseGecko(line: string, platform: string): StackFrame | undefined {
  const match = GECKO_LINE.exec(line)
  if (!match) return undefined
  const [, fn, location, lineno, colno] = match
  if (!location || (!lineno && !/^[a-z][a-z0-9+.-]*:/i.test(location) && !location.startsWith('/'))) return undefined
  return makeFrame(fn, location, lineno, colno, platform)
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
    abs_path: path,
    function: cleanFunctionName(fn),
    in_app: isInApp(path),
    platform,
  }
  if (lineno) frame.lineno = Number(lineno)
  if (colno) frame.colno = Number(colno)
  return frame
}

function cleanFunctionName(fn: string | undefined): string {
  if (!fn) return UNKNOWN_FUNCTION
  // "async fn" and "new Foo" keep the callee's name; "fn [as alias]" keeps the defined name.
  return fn.replace(/^async /, '').replace(/ \[as [^\]]+\]$/, '') || UNKNOWN_FUNCTION
}

function toPath(location: string): string {
  if (!location.startsWith('file://')) return location
  try {
    return decodeURIComponent(new URL(location).pathname)
  } catch {
    return location
  }
}

/** Application code, as opposed to dependencies and runtime internals. */
export function isInApp(path: string): boolean {
  if (path.includes('/node_modules/') || path.includes('\\node_modules\\')) return false
  if (/^(node|ext|bun|native):/.test(path) || path.startsWith('internal/') || path === 'native') return false
  if (path === '<anonymous>' || path.startsWith('[native code]')) return false
  return true
}
