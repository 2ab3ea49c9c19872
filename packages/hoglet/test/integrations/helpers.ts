import type { TestServer } from '../helpers/test-server.js'

/** One event as it arrived in a `/batch/` request body. */
export interface ReceivedEvent {
  event: string
  distinct_id: string
  uuid: string
  properties: Record<string, any>
}

/** Every event the loopback server received on `/batch/`, in arrival order. */
export function receivedEvents(server: TestServer): ReceivedEvent[] {
  return server.requestsTo('/batch/').flatMap((r) => (r.json?.batch ?? []) as ReceivedEvent[])
}

export function eventsNamed(server: TestServer, name: string): ReceivedEvent[] {
  return receivedEvents(server).filter((e) => e.event === name)
}

export const randomDelay = (maxMs: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * maxMs)))

/** Fires `count` requests at once; `make(i)` gives each its path and headers. */
export async function fireInterleaved(
  baseUrl: string,
  count: number,
  make: (i: number) => { path: string; headers?: Record<string, string> },
): Promise<Response[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) => {
      const { path, headers } = make(i)
      return fetch(baseUrl + path, { headers })
    }),
  )
}
