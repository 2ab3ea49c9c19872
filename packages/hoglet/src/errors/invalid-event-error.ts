import { HogletError, isNamed } from './hoglet-error.js'

/** A call was refused because its input cannot become a valid event (no distinct id, circular properties...). */
export class InvalidEventError extends HogletError {
  override name = 'InvalidEventError' as const
  /** The method that was called, e.g. `capture`. */
  readonly method: string

  constructor(method: string, message: string, options?: { cause?: unknown }) {
    super(`${method}(): ${message}`, options)
    this.method = method
  }
}

export function isInvalidEventError(error: unknown): error is InvalidEventError {
  return error instanceof InvalidEventError || isNamed(error, ['InvalidEventError'])
}
