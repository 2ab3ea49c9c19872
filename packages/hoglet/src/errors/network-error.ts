import { HogletError, isNamed } from './hoglet-error.js'

/** The request failed before any HTTP status arrived (refused, reset, DNS...). */
export class NetworkError extends HogletError {
  override name = 'NetworkError' as const
  readonly url: string

  constructor(url: string, cause: unknown) {
    super(`POST ${url} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause })
    this.url = url
  }
}

export function isNetworkError(error: unknown): error is NetworkError {
  return error instanceof NetworkError || isNamed(error, ['NetworkError'])
}
