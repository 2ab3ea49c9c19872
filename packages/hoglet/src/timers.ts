/**
 * Lets a timer run without keeping the process alive (Node, Bun, Deno); a no-op where timers
 * have no `unref` (browsers, workers). Returns the timer so it can wrap `setTimeout` inline.
 */
export function unrefTimer<T>(timer: T): T {
  ;(timer as { unref?: () => void }).unref?.()
  return timer
}
