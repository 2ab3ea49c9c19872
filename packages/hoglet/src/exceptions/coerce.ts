/** Anything a program can throw or reject with, reduced to what an exception entry needs. */
export interface CoercedException {
  type: string
  value: string
  stack: string | undefined
  /** True when the thrown value was not an Error, so its stack (if any) is hoglet's, not the throw site's. */
  synthetic: boolean
  /** The value of `cause`, when it is set. */
  cause: unknown
  /** The members of an AggregateError. */
  errors: unknown[] | undefined
}

const MAX_VALUE_LENGTH = 10_000

/**
 * Turns any thrown value into an exception description: real errors keep their class name,
 * message and stack; strings, plain objects and other throwables get a readable message and
 * are marked synthetic.
 */
export function coerceException(thrown: unknown): CoercedException {
  if (isErrorLike(thrown)) {
    const error = thrown as Error & { errors?: unknown; stacktrace?: unknown }
    const stack = stackOf(error)
    return {
      type: errorTypeName(error),
      value: truncate(errorMessage(error)),
      stack,
      // An error without a stack gets the call site's, like a thrown non-error.
      synthetic: stack === undefined,
      cause: error.cause ? error.cause : undefined,
      errors: isAggregateError(error) && Array.isArray(error.errors) ? error.errors : undefined,
    }
  }
  if (typeof thrown === 'string') {
    const match = ERROR_PREFIX.exec(thrown)
    return match ? synthetic(match[1] || 'Error', match[2]!) : synthetic('Error', thrown)
  }
  if (thrown !== null && typeof thrown === 'object') {
    const record = thrown as Record<string, unknown>
    // An object wrapping an error (`{ error }`, `{ err }`...) is captured as that error.
    for (const key of Object.keys(record)) if (isErrorLike(record[key])) return coerceException(record[key])
    const name = typeof record.name === 'string' && record.name ? record.name : 'Error'
    const coerced = synthetic(name, objectMessage(record))
    const stack = stackOf(record)
    return stack === undefined ? coerced : { ...coerced, stack }
  }
  return synthetic('Error', `Primitive value captured as exception: ${String(thrown)}`)
}

// "TypeError: message" (optionally "Uncaught ..."): the type PostHog's SDKs read out of a thrown string.
const ERROR_PREFIX = /^(?:[Uu]ncaught (?:exception: )?)?(?:((?:Eval|Internal|Range|Reference|Syntax|Type|URI|)Error): )?(.*)$/is

function stackOf(value: { stack?: unknown; stacktrace?: unknown }): string | undefined {
  try {
    if (typeof value.stacktrace === 'string' && value.stacktrace.length > 0) return value.stacktrace
    return typeof value.stack === 'string' && value.stack.length > 0 ? value.stack : undefined
  } catch {
    return undefined
  }
}

function errorMessage(error: Error): string {
  const message = error.message as unknown
  const nested = (message as { error?: { message?: unknown } } | null)?.error?.message
  return typeof nested === 'string' ? nested : String(message ?? '')
}

function objectMessage(record: Record<string, unknown>): string {
  if (typeof record.name === 'string') {
    const named = `'${record.name}' captured as exception`
    return typeof record.message === 'string' ? `${named} with message: '${record.message}'` : named
  }
  if (typeof record.message === 'string') return record.message
  const className = objectClassName(record)
  return `${className && className !== 'Object' ? `'${className}'` : 'Object'} captured as exception with keys: ${describeKeys(record)}`
}

function isAggregateError(error: object): boolean {
  let prototype = Object.getPrototypeOf(error)
  for (let depth = 0; prototype && depth < 100; depth++) {
    const ctor = Object.getOwnPropertyDescriptor(prototype, 'constructor')?.value
    if (typeof ctor === 'function' && ctor.name === 'AggregateError') return true
    prototype = Object.getPrototypeOf(prototype)
  }
  return false
}

function synthetic(type: string, value: string): CoercedException {
  return { type, value: truncate(value), stack: undefined, synthetic: true, cause: undefined, errors: undefined }
}

/** Errors from another realm (vm contexts, workers' structured clones) fail instanceof but keep the shape. */
function isErrorLike(value: unknown): boolean {
  if (value instanceof Error) return true
  if (value === null || typeof value !== 'object') return false
  const tag = Object.prototype.toString.call(value)
  return tag === '[object Error]' || tag === '[object DOMException]'
}

function errorTypeName(error: Error): string {
  return (typeof error.name === 'string' && error.name) || error.constructor?.name || 'Error'
}

function objectClassName(value: object): string | undefined {
  try {
    return Object.getPrototypeOf(value)?.constructor?.name
  } catch {
    return undefined
  }
}

/** Sorted keys, as many as fit in 40 characters. */
function describeKeys(record: Record<string, unknown>): string {
  const keys = Object.keys(record).sort()
  if (keys.length === 0) return '[object has no keys]'
  let text = ''
  for (const key of keys) {
    const next = text ? `${text}, ${key}` : key
    if (next.length > 40) break
    text = next
  }
  return text
}

function truncate(text: string): string {
  return text.length > MAX_VALUE_LENGTH ? text.slice(0, MAX_VALUE_LENGTH) + '…' : text
}
