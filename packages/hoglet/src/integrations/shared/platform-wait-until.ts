/** A platform's way to keep an invocation alive for work that outlives the response. */
export type WaitUntil = (promise: Promise<unknown>) => void

interface VercelRequestContext {
  get?: () => { waitUntil?: WaitUntil } | undefined
}

/**
 * The `waitUntil` of the Vercel request in progress (what `@vercel/functions` reads: the
 * request context Vercel's runtimes publish under a global symbol), or undefined elsewhere.
 */
export function vercelWaitUntil(): WaitUntil | undefined {
  const reader = (globalThis as Record<symbol, VercelRequestContext | undefined>)[Symbol.for('@vercel/request-context')]
  const context = reader?.get?.()
  const waitUntil = context?.waitUntil
  return typeof waitUntil === 'function' ? (promise) => waitUntil.call(context, promise) : undefined
}

/**
 * The `waitUntil` among a fetch handler's extra arguments: a Worker's `ctx` in
 * `(request, env, ctx)`, Next.js middleware's `event` in `(request, event)`.
 */
export function waitUntilFromArguments(args: readonly unknown[]): WaitUntil | undefined {
  for (const arg of args) {
    const waitUntil = (arg as { waitUntil?: unknown } | null | undefined)?.waitUntil
    if (typeof arg === 'object' && arg !== null && typeof waitUntil === 'function') return (promise) => waitUntil.call(arg, promise)
  }
  return undefined
}
