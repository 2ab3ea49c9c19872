/**
 * Canned failures for fault injection: a test queues them through the control API and the
 * next matching requests get them instead of (or, for a pure delay, before) the normal
 * answer.
 */
export interface FaultSpec {
  /** Path prefix the fault applies to (`/batch`, `/flags`); any non-control path when absent. */
  path?: string
  /** Answer with this status instead of handling the request. */
  status?: number
  /** Extra response headers. */
  headers?: Record<string, string>
  /** Response body (a string is sent as is, anything else as JSON). */
  body?: unknown
  /** Wait this long before answering (or before handling normally when no `status`). */
  delayMs?: number
  /** Sets `Retry-After` (seconds or an HTTP date). */
  retryAfter?: number | string
  /** Destroy the connection without answering. */
  reset?: boolean
  /**
   * Capture v1 only: answer per event instead of failing the request. The first `retry`
   * events of the batch get `retry` and the next `drop` get `drop` (neither is stored); the
   * rest are stored and answered `ok`.
   */
  eventResults?: { retry?: number; drop?: number }
  /** How many requests this fault answers. @default 1 */
  times?: number
}

interface QueuedFault extends FaultSpec {
  remaining: number
}

export class FaultQueue {
  private readonly queue: QueuedFault[] = []

  /** Validates and queues faults; throws `TypeError` naming a bad field. */
  add(specs: FaultSpec[]): void {
    const checked = specs.map(validate)
    this.queue.push(...checked)
  }

  /** Takes the first fault matching `path`, if any. */
  take(path: string): FaultSpec | undefined {
    if (this.queue.length === 0) return undefined
    const i = this.queue.findIndex((f) => f.path === undefined || path === f.path || path.startsWith(f.path + '/'))
    if (i < 0) return undefined
    const fault = this.queue[i]!
    if (--fault.remaining <= 0) this.queue.splice(i, 1)
    return fault
  }

  list(): QueuedFault[] {
    return this.queue.map((f) => ({ ...f }))
  }

  clear(): void {
    this.queue.length = 0
  }
}

function validate(spec: unknown): QueuedFault {
  if (typeof spec !== 'object' || spec === null) throw new TypeError('a fault must be an object')
  const f = spec as FaultSpec
  if (f.path !== undefined && (typeof f.path !== 'string' || !f.path.startsWith('/'))) throw new TypeError('`path` must start with `/`')
  if (f.status !== undefined && (!Number.isInteger(f.status) || f.status < 100 || f.status > 599)) throw new TypeError('`status` must be an HTTP status code')
  if (f.delayMs !== undefined && (typeof f.delayMs !== 'number' || f.delayMs < 0)) throw new TypeError('`delayMs` must be a non-negative number')
  if (f.times !== undefined && (!Number.isInteger(f.times) || f.times < 1)) throw new TypeError('`times` must be a positive integer')
  if (f.eventResults !== undefined) {
    const r = f.eventResults as Record<string, unknown> | null
    if (typeof r !== 'object' || r === null || Object.entries(r).some(([k, v]) => (k !== 'retry' && k !== 'drop') || !Number.isInteger(v) || (v as number) < 0)) {
      throw new TypeError('`eventResults` must be `{retry?, drop?}` with non-negative integer counts')
    }
  }
  if (f.status === undefined && !f.reset && f.delayMs === undefined && f.eventResults === undefined) throw new TypeError('a fault needs `status`, `reset`, `delayMs` or `eventResults`')
  const path = f.path && f.path.length > 1 && f.path.endsWith('/') ? f.path.slice(0, -1) : f.path
  return { ...f, path, remaining: f.times ?? 1 }
}
