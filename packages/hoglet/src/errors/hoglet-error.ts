/** The base class of every error hoglet creates; `cause` carries the original error when there is one. */
export class HogletError extends Error {
  override name: string = 'HogletError'

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
  }
}

/** True for any hoglet error, also across bundle copies (matches on `name`). */
export function isHogletError(error: unknown): error is HogletError {
  return (
    error instanceof HogletError ||
    (error instanceof Error && typeof error.name === 'string' && error.name.startsWith('Hoglet')) ||
    isNamed(error, ['HttpError', 'NetworkError', 'RequestTimeoutError', 'InvalidEventError', 'EventsDroppedError'])
  )
}

/** Shared by the `isXxx` guards: instanceof fails when two copies of hoglet are bundled. */
export function isNamed(error: unknown, names: readonly string[]): boolean {
  return error instanceof Error && names.includes(error.name)
}
