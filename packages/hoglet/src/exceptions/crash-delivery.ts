import type { EventQueue } from '../pipeline/event-queue.js'

/** A request to send while the process is about to die (see `runtime/node-process-hooks.ts`). */
export interface CrashRequest {
  url: string
  headers: Record<string, string>
  body: string
}

/** Roughly PostHog's request cap, kept under so a crash batch is never refused for size. */
const MAX_BODY_CHARS = 4 * 1024 * 1024

/**
 * Everything in flight and still queued, as `/batch/` requests built synchronously: at a crash there is no
 * event loop left to run the normal sender. Events that cannot become JSON are skipped, as the
 * batcher would. The queue is left as it is; the process ends right after.
 */
export function queuedEventsAsRequests(
  queue: EventQueue,
  serialize: (queue: EventQueue, slot: number) => string,
  url: string,
  apiKey: string,
  inFlight: readonly string[] = [],
): CrashRequest[] {
  const requests: CrashRequest[] = []
  const prefix = `{"api_key":${JSON.stringify(apiKey)},"batch":[`
  let batch: string[] = []
  let chars = 0
  const close = (): void => {
    if (batch.length === 0) return
    requests.push({
      url,
      headers: { 'Content-Type': 'application/json' },
      body: `${prefix}${batch.join(',')}],"sent_at":${JSON.stringify(new Date().toISOString())}}`,
    })
    batch = []
    chars = 0
  }
  // Batches in flight first: their requests die with the process, so they are sent again
  // (same uuids, so PostHog deduplicates the ones that did arrive).
  for (const json of inFlight) {
    if (chars + json.length > MAX_BODY_CHARS) close()
    batch.push(json)
    chars += json.length + 1
  }
  for (let k = 0; k < queue.size; k++) {
    let slot = queue.head + k
    if (slot >= queue.capacity) slot -= queue.capacity
    let json: string
    try {
      json = k === 0 && queue.pendingJson !== undefined ? queue.pendingJson : serialize(queue, slot)
    } catch {
      continue
    }
    if (chars + json.length > MAX_BODY_CHARS) close()
    batch.push(json)
    chars += json.length + 1
  }
  close()
  return requests
}
