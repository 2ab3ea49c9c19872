import type { RequestFacts } from './request-context.js'

/** Request facts from a web-standard `Request` (Hono, Next.js route handlers, fetch handlers). */
export function webRequestFacts(request: Request, remoteAddress?: string): RequestFacts {
  const url = request.url
  let path = url
  try {
    path = new URL(url).pathname
  } catch {
    // A relative URL (some test harnesses) is already a path.
    const queryAt = url.indexOf('?')
    path = queryAt === -1 ? url : url.slice(0, queryAt)
  }
  const headers = request.headers
  return {
    method: request.method,
    url,
    path,
    header: (name) => headers.get(name) ?? undefined,
    remoteAddress,
  }
}
