import type { ServerResponse } from 'node:http'

/** What the page is told: one message per tick at most. */
export interface LiveMessage {
  type: 'events' | 'flags' | 'reset'
  /** Newest id stored (for `events`); the page fetches what it has not seen. */
  lastId?: number
  /** Events stored since the previous message. */
  added?: number
}

/**
 * Server-Sent Events fan-out for the web page. Ingest only bumps counters; at most one
 * message per `intervalMs` goes out, so a 50k events/s load costs the page ten small
 * messages a second, and nothing at all when no page is open.
 */
export class LiveUpdates {
  private readonly clients = new Set<ServerResponse>()
  private pendingAdded = 0
  private lastId = 0
  private pendingOther: LiveMessage['type'][] = []
  private timer: NodeJS.Timeout | undefined
  private readonly heartbeat: NodeJS.Timeout

  constructor(private readonly intervalMs = 100) {
    this.heartbeat = setInterval(() => this.write(': keep-alive\n\n'), 15_000)
    this.heartbeat.unref()
  }

  attach(res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-content-type-options': 'nosniff',
    })
    res.write('retry: 1000\n\n')
    this.clients.add(res)
    res.on('close', () => this.clients.delete(res))
  }

  eventsStored(count: number, lastId: number): void {
    if (this.clients.size === 0) return
    this.pendingAdded += count
    this.lastId = lastId
    this.schedule()
  }

  notify(type: 'flags' | 'reset'): void {
    if (this.clients.size === 0) return
    if (!this.pendingOther.includes(type)) this.pendingOther.push(type)
    this.schedule()
  }

  get clientCount(): number {
    return this.clients.size
  }

  private schedule(): void {
    if (this.timer) return
    this.timer = setTimeout(() => this.tick(), this.intervalMs)
    this.timer.unref()
  }

  private tick(): void {
    this.timer = undefined
    for (const type of this.pendingOther) this.write(`data: ${JSON.stringify({ type })}\n\n`)
    this.pendingOther = []
    if (this.pendingAdded > 0) {
      const msg: LiveMessage = { type: 'events', lastId: this.lastId, added: this.pendingAdded }
      this.pendingAdded = 0
      this.write(`data: ${JSON.stringify(msg)}\n\n`)
    }
  }

  private write(chunk: string): void {
    for (const res of this.clients) res.write(chunk)
  }

  close(): void {
    clearInterval(this.heartbeat)
    if (this.timer) clearTimeout(this.timer)
    for (const res of this.clients) res.end()
    this.clients.clear()
  }
}
