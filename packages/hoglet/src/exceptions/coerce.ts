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
    const error = thrown as Error & { errors?: unknown }
    return {
      type: errorTypeName(error),
      value: truncate(String(error.message ?? '')),
      stack: typeof error.stack === 'string' ? error.stack : undefined,
      synthetic: false,
      cause: 'cause' in error ? error.cause : undefined,
      errors: Array.isArray(error.errors) ? error.errors : undefined,
    }
  }
  if (typeof thrown === 'string') return synthetic('Error', thrown)
  if (thrown !== null && typeof thrown === 'object') {
    const record = thrown as Record<string, unknown>
    const name = typeof record.name === 'string' && record.name ? record.name : objectTypeName(thrown)
    const message = typeof record.message === 'string' ? record.message : `Object captured as exception with keys: ${describeKeys(record)}`
    return synthetic(name, message)
  }
  return synthetic('Error', `Non-Error exception captured with value: ${describePrimitive(thrown)}`)
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
  if (typeof error.name === 'string' && error.name && error.name !== 'Error') return error.name
  const ctor = error.constructor?.name
  return ctor && ctor !== 'Object' ? ctor : 'Error'
}

function objectTypeName(value: object): string {
  const ctor = (value as { constructor?: { name?: string } }).constructor?.name
  return ctor && ctor !== 'Object' ? ctor : 'Error'
}

function describeKeys(record: Record<string, unknown>): string {
  const keys = Object.keys(record).sort()
  if (keys.length === 0) return '[object has no keys]'
  return keys.slice(0, 10).join(', ') + (keys.length > 10 ? ', …' : '')
}

function describePrimitive(value: unknown): string {
  if (typeof value === 'symbol') return value.toString()
  if (typeof value === 'bigint') return `${value}n`
  return String(value)
}

function truncate(text: string): string {
  return text.length > MAX_VALUE_LENGTH ? text.slice(0, MAX_VALUE_LENGTH) + '…' : text
}
