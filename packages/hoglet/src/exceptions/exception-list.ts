import { coerceException } from './coerce.js'
import { parseStack, type StackFrame } from './stack-parser.js'

export interface ExceptionMechanism {
  /** False for crashes seen by autocapture, true for errors the program handled and reported. */
  handled: boolean
  /** True when the thrown value was not an Error (no real stack of its own). */
  synthetic: boolean
  /** How the outermost exception was caught (`generic`, `onuncaughtexception`, `middleware:express`...); `chained` for causes and aggregate members. */
  type: string
  exception_id?: number
  parent_id?: number
  /** How this entry hangs off its parent: `cause` or `errors[i]`. */
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
    const mechanism: ExceptionMechanism = {
      handled: options.handled,
      synthetic: coerced.synthetic,
      type: parentId === undefined ? options.mechanismType ?? 'generic' : 'chained',
      exception_id: id,
    }
    if (parentId !== undefined) mechanism.parent_id = parentId
    if (source !== undefined) mechanism.source = source
    const entry: ExceptionEntry = { type: coerced.type, value: coerced.value, mechanism }
    const frames = parseStack(coerced.stack, options.platform)
    if (frames.length > 0) entry.stacktrace = { type: 'raw', frames }
    entries.push(entry)

    if (coerced.errors) coerced.errors.forEach((member, i) => visit(member, id, `errors[${i}]`))
    if (coerced.cause !== undefined) visit(coerced.cause, id, 'cause')
  }

  visit(thrown, undefined, undefined)
  return entries
}
