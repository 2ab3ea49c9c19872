import { coerceException } from './coerce.js'
import { parseStack, type StackFrame } from './stack-parser.js'

export interface ExceptionMechanism {
  /** False for crashes seen by autocapture, true for errors the program handled and reported. Only on the outermost entry. */
  handled?: boolean
  /** True when the thrown value was not an Error (no real stack of its own). */
  synthetic: boolean
  /** How the outermost exception was caught (`generic`, `onuncaughtexception`, `middleware:express`...); `chained` for causes and aggregate members. */
  type: string
  exception_id?: number
  parent_id?: number
  /** How this entry hangs off its parent: `cause`, or `member` of an AggregateError. */
  source?: string
}

/** One entry of the `$exception_list` property. */
export interface ExceptionEntry {
  type: string
  value: string
  mechanism: ExceptionMechanism
  stacktrace?: { type: 'raw'; frames: StackFrame[] }
}

export interface ExceptionListOptions {
  handled: boolean
  /** Mechanism type of the outermost entry. @default 'generic' */
  mechanismType?: string
  platform?: string
  /**
   * Stack of an error made where the capture was asked for, used as the outermost entry's
   * stack when the thrown value has none of its own (a string, a plain object).
   */
  syntheticStack?: string
}

/** Causes and aggregate members beyond this many entries are left out (and cycles end early). */
const MAX_ENTRIES = 20

/**
 * Builds `$exception_list`: index 0 is the exception that was caught, followed by its causes
 * in unwrap order and the members of AggregateErrors (each linked to its parent through
 * `exception_id` / `parent_id` / `source`).
 */
export function buildExceptionList(thrown: unknown, options: ExceptionListOptions): ExceptionEntry[] {
  const entries: ExceptionEntry[] = []
  const seen = new Set<unknown>()

  const visit = (value: unknown, parentId: number | undefined, source: string | undefined): void => {
    if (entries.length >= MAX_ENTRIES) return
    if (value !== null && typeof value === 'object') {
      if (seen.has(value)) return
      seen.add(value)
    }
    const coerced = coerceException(value)
    const id = entries.length
    const root = parentId === undefined
    // As PostHog's SDKs send it: `handled` on the outermost entry only, `chained` for the rest.
    const mechanism: ExceptionMechanism = root
      ? { type: options.mechanismType ?? 'generic', handled: options.handled, synthetic: coerced.synthetic, exception_id: id }
      : { type: 'chained', source, synthetic: coerced.synthetic, exception_id: id, parent_id: parentId }
    const entry: ExceptionEntry = { type: coerced.type, value: coerced.value, mechanism }
    const stack = coerced.stack ?? (root && coerced.synthetic ? withoutMessageLine(options.syntheticStack) : undefined)
    const frames = parseStack(stack, options.platform)
    if (frames.length > 0) entry.stacktrace = { type: 'raw', frames }
    entries.push(entry)

    if (coerced.cause !== undefined) visit(coerced.cause, id, 'cause')
    if (coerced.errors) for (const member of coerced.errors) visit(member, id, 'member')
  }

  visit(thrown, undefined, undefined)
  return entries
}

/** A stack without its first line (the synthetic error's own message). */
function withoutMessageLine(stack: string | undefined): string | undefined {
  if (stack === undefined) return undefined
  const newline = stack.indexOf('\n')
  return newline === -1 ? '' : stack.slice(newline + 1)
}
