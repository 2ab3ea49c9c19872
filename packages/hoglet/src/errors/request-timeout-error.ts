import { HogletError, isNamed } from './hoglet-error.js'

/** The request was aborted because it took longer than `requestTimeout`. */
export class RequestTimeoutError extends HogletError {
  override name = 'RequestTimeoutError' as const
  readonly url: string
  readonly timeoutMs: number

  constructor(url: string, timeoutMs: number) {
    super(`POST ${url} timed out after ${timeoutMs} ms`)
    this.url = url
    this.timeoutMs = timeoutMs
  }
}

export function isRequestTimeoutError(error: unknown): error is RequestTimeoutError {
  return error instanceof RequestTimeoutError || isNamed(error, ['RequestTimeoutError'])
}
