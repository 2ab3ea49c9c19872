/**
 * An error that maps to an HTTP answer. Handlers throw it; the router turns it into
 * `{"status": <code>, "code": "<slug>", "error": "<message>"}` (the shape capture uses).
 */
export class HttpError extends Error {
  override name = 'HttpError' as const
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message)
  }
}

export const badRequest = (code: string, message: string): HttpError => new HttpError(400, code, message)
export const unauthorized = (code: string, message: string): HttpError => new HttpError(401, code, message)
