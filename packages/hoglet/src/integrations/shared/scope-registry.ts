import type { ContextData } from '../../context.js'

/**
 * The scope each tracked request got, keyed by the framework's request object, so hooks that
 * run outside the request's async scope (error handlers, response hooks) still attribute
 * events to the right request.
 */
const scopes = new WeakMap<object, ContextData>()

export function rememberScope(request: object, scope: ContextData): void {
  scopes.set(request, scope)
}

export function scopeOf(request: object): ContextData | undefined {
  return scopes.get(request)
}
