import { unrefTimer } from '../../timers.js'
import type { IntegrationClient } from './client-like.js'

/**
 * Flushes after a response for serverless platforms. With a `waitUntil` the platform keeps the
 * instance alive for the flush and the response is not delayed; without one, the returned
 * promise resolves when the flush is done or `timeoutMs` has passed, whichever is first.
 * Never rejects: a failed flush is the client's to report.
 */
export function flushAfterResponse(
  client: IntegrationClient,
  waitUntil: ((promise: Promise<unknown>) => void) | undefined,
  timeoutMs: number,
): Promise<void> {
  const flushing = client.flush().then(
    () => undefined,
    () => undefined,
  )
  if (waitUntil) {
    try {
      waitUntil(flushing)
      return Promise.resolve()
    } catch {
      // A waitUntil that refuses (called outside a request) falls back to waiting.
    }
  }
  return new Promise<void>((resolve) => {
    const timer = unrefTimer(setTimeout(resolve, timeoutMs))
    void flushing.then(() => {
      clearTimeout(timer)
      resolve()
    })
  })
}
