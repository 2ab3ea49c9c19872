import { badRequest } from './errors.js'
import type { IncomingMessage, ServerResponse } from 'node:http'

/** What a handler sees for one request. */
export interface RequestContext {
  readonly req: IncomingMessage
  readonly res: ServerResponse
  readonly method: string
  /** Path without its trailing slash (`/batch/` and `/batch` are the same route). */
  readonly path: string
  readonly query: URLSearchParams
  /** `:name` segments of the matched route. */
  params: Record<string, string>
  /** Decoded body text, set by handlers that read one, so the request log can show it. */
  bodyText?: string
}

/** A handler's answer; `body` that is not a string or Buffer is sent as JSON. */
export interface Reply {
  status: number
  headers?: Record<string, string>
  body?: unknown
}

export type Handler = (ctx: RequestContext) => Reply | Promise<Reply> | undefined | Promise<undefined>

interface Route {
  methods: ReadonlySet<string>
  pattern: RegExp
  names: string[]
  handler: Handler
}

/** Normalizes a URL path: no trailing slash except for the root. */
export function normalizePath(pathname: string): string {
  return pathname.length > 1 && pathname.endsWith('/') ? pathname.slice(0, -1) : pathname
}

/**
 * A small method + path router. Static paths are a map lookup (the capture hot path);
 * paths with `:param` segments are tried in registration order.
 */
export class Router {
  private readonly exact = new Map<string, Route>()
  private readonly dynamic: Route[] = []

  on(methods: string | string[], path: string, handler: Handler): this {
    const list = (Array.isArray(methods) ? methods : [methods]).map((m) => m.toUpperCase())
    const names: string[] = []
    const source = normalizePath(path)
      .split('/')
      .map((segment) => {
        if (!segment.startsWith(':')) return segment.replace(/[.*+?^${}()|[\]\\@]/g, '\\$&')
        names.push(segment.slice(1))
        return '([^/]+)'
      })
      .join('/')
    const route: Route = { methods: new Set(list), pattern: new RegExp(`^${source}$`), names, handler }
    if (names.length === 0) {
      const key = normalizePath(path)
      const existing = this.exact.get(key)
      if (existing) {
        // Same path, more methods: keep one route per path with a merged handler table.
        const previous = existing.handler
        const previousMethods = existing.methods
        this.exact.set(key, {
          ...route,
          methods: new Set([...previousMethods, ...list]),
          handler: (ctx) => (previousMethods.has(ctx.method) ? previous(ctx) : handler(ctx)),
        })
      } else {
        this.exact.set(key, route)
      }
    } else {
      this.dynamic.push(route)
    }
    return this
  }

  /** Finds the handler; `'method'` when the path exists under other methods only. */
  match(method: string, path: string): { handler: Handler; params: Record<string, string>; allow: string[] } | 'method' | null {
    const route = this.exact.get(path)
    if (route) return route.methods.has(method) ? { handler: route.handler, params: {}, allow: [...route.methods] } : 'method'
    let pathKnown = false
    for (const r of this.dynamic) {
      const m = r.pattern.exec(path)
      if (!m) continue
      if (!r.methods.has(method)) {
        pathKnown = true
        continue
      }
      const params: Record<string, string> = {}
      r.names.forEach((name, i) => (params[name] = decodeSegment(m[i + 1]!)))
      return { handler: r.handler, params, allow: [...r.methods] }
    }
    return pathKnown ? 'method' : null
  }
}

/** A `%`-encoded path segment; malformed escapes are the client's mistake (400), not a crash. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    throw badRequest('invalid_path', `the path segment \`${segment.slice(0, 100)}\` is not valid percent-encoding`)
  }
}
