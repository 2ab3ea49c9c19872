import type { DropReason } from '../errors/events-dropped-error.js'

/** How a batch ended, told to the client so it can count, log and emit. */
export interface SendReport {
  delivered(path: string, count: number): void
  dropped(reason: DropReason, count: number, message: string, cause?: unknown): void
  retrying(path: string, attempt: number, delayMs: number, cause: Error): void
}
