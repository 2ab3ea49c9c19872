import type { ExceptionCapturer } from './capture-exception.js'
import { queuedEventsAsRequests, type CrashRequest } from './crash-delivery.js'
import type { EventQueue } from '../pipeline/event-queue.js'
import { BATCH_PATH } from '../pipeline/batch-paths.js'

export type CrashOrigin = 'uncaughtException' | 'unhandledRejection'

/** What a runtime offers to watch for crashes; Node's lives in `runtime/node-process-hooks.ts`. */
export interface CrashHooks {
  install(handlers: {
    onFatal(error: unknown, origin: CrashOrigin): void
    onNonFatal(error: unknown, origin: CrashOrigin): void
  }): () => void
  /** Sends requests while blocking the thread, for at most `timeoutMs` (the process is about to end). */
  sendBlocking(requests: CrashRequest[], timeoutMs: number): unknown
}

export interface AutocaptureDeps {
  capturer: ExceptionCapturer
  hooks: CrashHooks
  /**
   * The lane whose queued and in-flight events are delivered before the process dies, blocking
   * the thread (bounded): only for fatal errors, right before the runtime prints the error and exits.
   */
  lane: { readonly queue: EventQueue; readonly spool: { settled(doneSeq: number): void } | undefined; inFlightEvents(): string[] }
  serialize: (queue: EventQueue, slot: number) => string
  config: { readonly host: string; readonly apiKey: string }
  /** Called as that delivery starts: the exit warning has nothing to add then. */
  delivering: () => void
  /** Starts delivering now (not awaited): an error the process survives is often followed by an exit. */
  flushSoon: () => void
}

/** How long a crashing process waits for its queued events to be delivered. */
const CRASH_DELIVERY_TIMEOUT_MS = 2000

const MECHANISM: Record<CrashOrigin, string> = {
  uncaughtException: 'onuncaughtexception',
  unhandledRejection: 'onunhandledrejection',
}

/**
 * Captures uncaught exceptions and unhandled rejections as unhandled `$exception` events
 * (rate-limited per type) without changing what the process does about them: a crash is
 * delivered first and then crashes exactly as it would have, and an error the program
 * survives is queued and a flush started at once.
 * Returns the function that uninstalls the hooks.
 */
export function installExceptionAutocapture(deps: AutocaptureDeps): () => void {
  const capture = (error: unknown, origin: CrashOrigin): string | undefined =>
    deps.capturer.capture(error, undefined, undefined, { handled: false, mechanismType: MECHANISM[origin], rateLimited: true })

  return deps.hooks.install({
    onFatal(error, origin) {
      capture(error, origin)
      deliverBeforeExit(deps)
    },
    onNonFatal(error, origin) {
      if (capture(error, origin) !== undefined) deps.flushSoon()
    },
  })
}

function deliverBeforeExit({ lane, serialize, config, hooks, delivering }: AutocaptureDeps): void {
  const requests = queuedEventsAsRequests(lane.queue, serialize, config.host + BATCH_PATH, config.apiKey, lane.inFlightEvents())
  delivering()
  const sent = hooks.sendBlocking(requests, CRASH_DELIVERY_TIMEOUT_MS) as { statuses?: number[] } | undefined
  // Delivered: the spool need not replay them at the next start.
  if (lane.spool !== undefined && sent?.statuses?.every((status) => status >= 200 && status < 300)) lane.spool.settled(Number.POSITIVE_INFINITY)
}
