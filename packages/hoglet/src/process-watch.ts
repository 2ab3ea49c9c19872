import type { Logger } from './logger.js'
import type { ResolvedOptions } from './options.js'

/** What a client's process hooks read and call (client.ts builds it). */
export interface WatchedClient {
  /** Its options: `flushOnExit`, `flushOnSignals`. */
  readonly config: ResolvedOptions
  /** Where the exit warning goes. */
  readonly logger: Logger
  /** Its `flush()`, for `flushOnExit`. */
  readonly flush: () => Promise<void>
  /** Its `shutdown()`, for `flushOnSignals`. */
  readonly shutdown: () => Promise<unknown>
  /** Events queued or being prepared, and tracked async work. */
  pending(): number
  /** Events held after a network failure, waiting for the next flush. */
  held(): number
  /** True when unsent events stay in the durable spool for the next start. */
  spooled(): boolean
  /** True when the exit warning has nothing to add: a shutdown is running, or crash autocapture sent the queue. */
  quietAtExit(): boolean
}

/** The process events a runtime with a process (Node, Bun, Deno) offers; see `runtime/node.ts`. */
export interface ProcessEvents {
  /** Runs `hook` once before the process exits on its own; returns the unregister function. */
  onBeforeExit: (hook: () => Promise<void>) => () => void
  /** Calls `hook` synchronously at exit; the handle must be kept (the runtime holds it weakly) and removed. */
  onExit: (hook: () => void) => { remove(): void }
  /** Runs `hook` on SIGTERM/SIGINT, then lets the signal take its default course. */
  onTerminationSignals: (hook: (signal: string) => Promise<unknown>) => { remove(): void }
}

/**
 * A client's process hooks: `flushOnExit` (beforeExit), the unsent-events warning at exit, and
 * `flushOnSignals`. Lives outside client.ts so runtimes without a process (edge) do not carry
 * it. Returns the function removing them; it holds the hooks' handles, which the runtime keeps
 * only weakly, so the client must keep it.
 */
export function watchProcess(client: WatchedClient, events: ProcessEvents): () => void {
  const handles: Array<{ remove(): void }> = []
  let unregisterBeforeExit: (() => void) | undefined
  if (client.config.flushOnExit) {
    // Events held after a network failure get one more try; when only they are left and that
    // try failed too, the process may exit (beforeExit would otherwise fire forever).
    let triedHeld = false
    unregisterBeforeExit = events.onBeforeExit(() => {
      const held = client.held()
      if (client.pending() - held > 0 || (held > 0 && !triedHeld)) {
        triedHeld = held > 0
        return client.flush()
      }
      return Promise.resolve()
    })
  }
  handles.push(events.onExit(() => warnAtExit(client)))
  // Bounded by shutdownTimeoutMs; then the signal takes its default course (exit code kept).
  if (client.config.flushOnSignals) handles.push(events.onTerminationSignals(() => client.shutdown()))
  return () => {
    unregisterBeforeExit?.()
    for (const handle of handles) handle.remove()
  }
}

/** At process exit without a shutdown: say what is lost (or kept in the spool), once, synchronously. */
function warnAtExit(client: WatchedClient): void {
  const left = client.pending()
  if (left === 0 || client.quietAtExit()) return
  const where = client.spooled() ? 'they stay in the spool for the next start' : 'they are lost'
  client.logger.warn(`The process is exiting with ${left} event(s) not yet sent and no shutdown() since they were captured: ${where}. Call \`await posthog.shutdown()\` before exiting, or set \`flushOnSignals\`.`)
}
