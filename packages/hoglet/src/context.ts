import type { AsyncContextStorage } from './runtime/types.js'

/** What a request (or any unit of work) scope carries onto the events and flag calls made inside it. */
export interface ContextData {
  /** Used when a call passes no distinct id. Without one, events in the scope are personless. */
  distinctId?: string
  /** Sent as `$session_id` on every event in the scope that has none. */
  sessionId?: string
  /** Used for device-id bucketing in flag evaluation. */
  deviceId?: string
  /** Added to every event in the scope (explicit event properties win); not to identify, alias or groupIdentify. */
  properties?: Record<string, unknown>
}

export interface ContextOptions {
  /**
   * Start from an empty scope instead of inheriting the enclosing one.
   * @default false
   */
  fresh?: boolean
  /**
   * Ends this context (and the contexts nested in it) when aborted, without cancelling `fn`:
   * calls made after that run without a context, as posthog-node's. An already aborted signal
   * starts no context; a `fresh` context does not inherit the enclosing context's signals.
   */
  signal?: AbortSignal
}

/** A scope with a lifetime: the signals that end it (its own and those it inherited). */
interface Lifetime {
  readonly signals: readonly AbortSignal[]
}

/**
 * Per-async-scope context over the runtime's AsyncLocalStorage. Nested scopes inherit the
 * enclosing scope's ids and properties (their own values win). Each scope stores one frozen,
 * already-merged object, so reading it on the capture path costs a single lookup.
 * Where the runtime has no async storage (some edge runtimes) a scope lasts only for the
 * synchronous part of `run`: what `fn` does before its first await sees it, nothing after.
 * That is safe under concurrency (no other code runs in between) and is what lets the
 * integrations' synchronous captures carry the request's scope there.
 */
export class ContextManager {
  readonly #storage: AsyncContextStorage<Readonly<ContextData>> | undefined
  /** The scope of the synchronous `run` in progress, where there is no async storage. */
  #syncScope: Readonly<ContextData> | undefined
  /** Scopes opened with (or inside one opened with) a `signal`; empty for most programs. */
  readonly #lifetimes = new WeakMap<Readonly<ContextData>, Lifetime>()
  #hasLifetimes = false

  constructor(storage: AsyncContextStorage<Readonly<ContextData>> | undefined) {
    this.#storage = storage
  }

  /** Runs `fn` inside `scope` (from `scope()`). */
  runIn<T>(scope: Readonly<ContextData>, fn: () => T): T {
    if (this.#storage) return this.#storage.run(scope, fn)
    const outer = this.#syncScope
    this.#syncScope = scope
    try {
      return fn()
    } finally {
      this.#syncScope = outer
    }
  }

  /**
   * Makes `data` the scope of the rest of the current synchronous execution and everything it
   * schedules. Prefer `run`: a scope entered this way can leak into unrelated work that the
   * same async resource later runs.
   */
  enter(data: ContextData, options?: ContextOptions): void {
    if (this.#storage) this.#storage.enterWith?.(this.scope(data, options))
  }

  /** The current scope, merged with its parents, or undefined outside any scope. */
  get(): Readonly<ContextData> | undefined {
    const store = this.#storage ? this.#storage.getStore() : this.#syncScope
    return this.#hasLifetimes ? this.#active(store) : store
  }

  /** `scope`, or undefined once a signal has ended it (as posthog-node: no context at all, not the enclosing one). */
  #active(scope: Readonly<ContextData> | undefined): Readonly<ContextData> | undefined {
    if (scope === undefined) return undefined
    const lifetime = this.#lifetimes.get(scope)
    return lifetime !== undefined && lifetime.signals.some((signal) => signal.aborted) ? undefined : scope
  }

  /**
   * The scope `data` makes, merged with the current one unless `options.fresh`. Reads each field
   * of `data` and `options` once (the client builds it where a throwing getter is refused), and
   * only the well-formed ones: anything but an object means none.
   */
  scope(data: unknown, options: ContextOptions | undefined): Readonly<ContextData> {
    const fresh = isPropertyBag(options) && options.fresh === true
    const parent = fresh ? undefined : this.get()
    const scope = this.#merge(isPropertyBag(data) ? data : {}, parent)
    const inherited = parent === undefined ? undefined : this.#lifetimes.get(parent)?.signals
    const signal = isPropertyBag(options) ? (options as ContextOptions).signal : undefined
    if (signal !== undefined || inherited !== undefined) {
      const signals = [...(inherited ?? []), ...(signal ? [signal] : [])]
      this.#lifetimes.set(scope, { signals })
      this.#hasLifetimes = true
    }
    return scope
  }

  #merge(data: ContextData, parent: Readonly<ContextData> | undefined): Readonly<ContextData> {
    const merged: ContextData = {}
    // Only well-formed fields are taken (the client reports malformed data); a string or
    // array `properties` is never spread one key per character.
    const distinctId = idOf(data.distinctId) ?? parent?.distinctId
    const sessionId = idOf(data.sessionId) ?? parent?.sessionId
    const deviceId = idOf(data.deviceId) ?? parent?.deviceId
    if (distinctId !== undefined) merged.distinctId = distinctId
    if (sessionId !== undefined) merged.sessionId = sessionId
    if (deviceId !== undefined) merged.deviceId = deviceId
    const own = isPropertyBag(data.properties) ? data.properties : undefined
    if (parent?.properties || own) {
      merged.properties = Object.freeze({ ...parent?.properties, ...own })
    }
    return Object.freeze(merged)
  }
}

function idOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  return undefined
}

/** A non-null, non-array object: what may be merged as event properties. */
export function isPropertyBag(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** Why context data cannot be used, or undefined when it can. */
export function contextDataProblem(data: unknown): string | undefined {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return 'expects an object like { distinctId, sessionId, properties }'
  const d = data as ContextData
  for (const key of ['distinctId', 'sessionId', 'deviceId'] as const) {
    const value = d[key] as unknown
    if (value !== undefined && value !== null && typeof value !== 'string' && typeof value !== 'number') return `\`${key}\` must be a string`
  }
  if (d.properties !== undefined && !isPropertyBag(d.properties)) return '`properties` must be an object'
  return undefined
}
