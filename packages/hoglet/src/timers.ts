/**
 * Lets a timer run without keeping the process alive (Node, Bun, Deno); a no-op where timers
 * have no `unref` (browsers, workers). Returns the timer so it can wrap `setTimeout` inline.
 */
export function unrefTimer<T>(timer: T): T {
  ;(timer as { unref?: () => void }).unref?.()
  return timer
}

/** The longest delay `setTimeout`/`setInterval` honour; anything longer fires after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1

/** A caller's delay made safe for a timer: NaN and negatives → 0, above the maximum (Infinity too) → the maximum. */
export function clampTimerMs(ms: number): number {
  if (!(ms > 0)) return 0
  return ms > MAX_TIMER_MS ? MAX_TIMER_MS : ms
}
