import { gzip } from 'node:zlib'
import { promisify } from 'node:util'
import type { ImportEvent } from './event-mapping.js'

const gzipAsync = promisify(gzip)

export interface SenderOptions {
  host: string
  apiKey: string
  gzip: boolean
  maxRetries: number
  timeoutMs: number
  retryBaseMs: number
}

/** A refusal that retrying cannot fix (bad key, malformed request): the import stops, resumable. */
export class FatalSendError extends Error {}

/**
 * Sends one batch to `/batch/` with `historical_migration: true` (PostHog routes it to its
 * historical pipeline), retrying network errors, 5xx and 429 with doubling pauses.
 */
export async function sendBatch(events: ImportEvent[], options: SenderOptions, onRetry?: (attempt: number, why: string) => void): Promise<void> {
  const json = JSON.stringify({ api_key: options.apiKey, historical_migration: true, batch: events })
  const body = options.gzip ? await gzipAsync(json) : json
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'hoglet-import' }
  if (options.gzip) headers['content-encoding'] = 'gzip'
  const url = `${options.host.replace(/\/+$/, '')}/batch/`
  for (let attempt = 0; ; attempt++) {
    let why: string
    let waitMs = options.retryBaseMs * 2 ** Math.min(attempt, 8)
    try {
      const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(options.timeoutMs) })
      await res.arrayBuffer().catch(() => undefined)
      if (res.ok) return
      why = `HTTP ${res.status}`
      if (res.status !== 429 && res.status < 500) throw new FatalSendError(`the server refused a batch: HTTP ${res.status}`)
      const retryAfter = Number(res.headers.get('retry-after'))
      if (Number.isFinite(retryAfter) && retryAfter > 0) waitMs = Math.min(retryAfter * 1000, 60_000)
    } catch (err) {
      if (err instanceof FatalSendError) throw err
      why = err instanceof Error ? err.message : String(err)
    }
    if (attempt >= options.maxRetries) throw new FatalSendError(`a batch failed ${attempt + 1} times (last: ${why})`)
    onRetry?.(attempt + 1, why)
    await new Promise((resolve) => setTimeout(resolve, waitMs))
  }
}
