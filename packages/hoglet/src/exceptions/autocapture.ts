import type { ExceptionCapturer } from './capture-exception.js'
import type { CrashRequest } from './crash-delivery.js'

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
   * Delivers everything queued before the process dies, blocking the thread (bounded).
   * Called only for fatal errors, right before the runtime prints the error and exits.
   */
  deliverBeforeExit: () => void
  /** Starts delivering now (not awaited): an error the process survives is often followed by an exit. */
  flushSoon: () => void
}

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
      deps.deliverBeforeExit()
    },
    onNonFatal(error, origin) {
      if (capture(error, origin) !== undefined) deps.flushSoon()
    },
  })
}
