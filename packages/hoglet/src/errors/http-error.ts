import { HogletError, isNamed } from './hoglet-error.js'

/** The server answered a request with a non-2xx status. */
export class HttpError extends HogletError {
  override name = 'HttpError' as const
  readonly status: number
  readonly url: string
  /** The start of the response body, when it could be read. */
  readonly body: string | undefined

  constructor(url: string, status: number, body?: string) {
    super(`POST ${url} answered HTTP ${status}${body ? `: ${body.slice(0, 200)}` : ''}`)
    this.url = url
    this.status = status
    this.body = body
  }
}

export function isHttpError(error: unknown): error is HttpError {
  return error instanceof HttpError || isNamed(error, ['HttpError'])
}
