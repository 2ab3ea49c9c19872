/** What the progress display shows. */
export interface ProgressState {
  bytesDone: number
  bytesTotal: number
  sent: number
  rejected: number
}

export interface ProgressOutput {
  write(text: string): unknown
  isTTY?: boolean
  columns?: number
}

/**
 * A progress bar redrawn in place on a terminal, or a plain line every `intervalMs` otherwise
 * (logs and CI). Rate is events per second over the run; ETA extrapolates the bytes read.
 */
export class Progress {
  readonly #out: ProgressOutput
  readonly #intervalMs: number
  readonly #startedAt = Date.now()
  readonly #startBytes: number
  readonly #startSent: number
  #lastDraw = 0
  #drawn = false

  constructor(out: ProgressOutput, initial: ProgressState, intervalMs: number) {
    this.#out = out
    this.#intervalMs = out.isTTY ? 100 : intervalMs
    this.#startBytes = initial.bytesDone
    this.#startSent = initial.sent
  }

  update(state: ProgressState, force = false): void {
    const now = Date.now()
    if (!force && now - this.#lastDraw < this.#intervalMs) return
    this.#lastDraw = now
    const line = this.describe(state, now)
    if (this.#out.isTTY) {
      this.#out.write(`\r\x1b[2K${line}`)
      this.#drawn = true
    } else this.#out.write(`${line}\n`)
  }

  /** Ends the bar's line so the summary starts on a fresh one. */
  finish(state: ProgressState): void {
    this.update(state, true)
    if (this.#out.isTTY && this.#drawn) this.#out.write('\n')
  }

  describe(state: ProgressState, now = Date.now()): string {
    const fraction = state.bytesTotal > 0 ? Math.min(1, state.bytesDone / state.bytesTotal) : 1
    const seconds = Math.max(0.001, (now - this.#startedAt) / 1000)
    const rate = (state.sent - this.#startSent) / seconds
    const byteRate = (state.bytesDone - this.#startBytes) / seconds
    const eta = byteRate > 0 ? formatDuration((state.bytesTotal - state.bytesDone) / byteRate) : '?'
    const figures = `${(fraction * 100).toFixed(1)}% ${state.sent.toLocaleString('en-US')} sent ${state.rejected.toLocaleString('en-US')} rejected ${Math.round(rate).toLocaleString('en-US')} events/s ETA ${eta}`
    if (!this.#out.isTTY) return `progress: ${figures}`
    const width = Math.max(10, Math.min(40, (this.#out.columns ?? 80) - figures.length - 4))
    const filled = Math.round(fraction * width)
    return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${figures}`
  }
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?'
  const s = Math.round(seconds)
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
}
