import type { Logger } from '../logger.js'

type Listener = (payload: any) => void

/**
 * A tiny event emitter: `on()` returns the unsubscribe function, and a throwing listener is
 * logged and ignored, never propagated into the SDK or the caller.
 */
export class Emitter<Events extends Record<string, unknown>> {
  readonly #listeners = new Map<keyof Events | '*', Listener[]>()
  readonly #logger: Logger

  constructor(logger: Logger) {
    this.#logger = logger
  }

  on<K extends keyof Events | '*'>(
    event: K,
    listener: (payload: K extends keyof Events ? Events[K] : { event: keyof Events; payload: unknown }) => void,
  ): () => void {
    const list = this.#listeners.get(event) ?? []
    // Copy on write: emit() can iterate the old array while listeners come and go.
    this.#listeners.set(event, [...list, listener as Listener])
    return () => {
      const current = this.#listeners.get(event)
      if (!current) return
      const next = current.filter((l) => l !== listener)
      if (next.length) this.#listeners.set(event, next)
      else this.#listeners.delete(event)
    }
  }

  /** True when someone listens to `event` (or to `*`): lets hot paths skip building payloads. */
  has(event: keyof Events): boolean {
    return this.#listeners.size !== 0 && (this.#listeners.has(event) || this.#listeners.has('*'))
  }

  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    if (this.#listeners.size === 0) return
    const list = this.#listeners.get(event)
    if (list) for (const listener of list) this.#call(listener, payload, event)
    const all = this.#listeners.get('*')
    if (all) for (const listener of all) this.#call(listener, { event, payload }, event)
  }

  #call(listener: Listener, payload: unknown, event: keyof Events): void {
    try {
      listener(payload)
    } catch (error) {
      this.#logger.error(`A listener of "${String(event)}" threw; it is ignored.`, error)
    }
  }
}
