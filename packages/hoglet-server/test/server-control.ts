/**
 * The one place the fleet and capture-protocol tests drive hoglet-server's control side
 * (flags, faults, the request log), so access rules on the control API change one file.
 */
import type { RunningServer } from '../src/index.js'
import type { FaultSpec } from '../src/control/faults.js'
import type { RecordedRequest } from '../src/control/request-log.js'

export interface ServerControl {
  setFlags(definitions: unknown): void
  injectFaults(...faults: FaultSpec[]): void
  /** Recorded requests whose path starts with `prefix`, received at or after `since` (ms epoch). */
  requests(prefix: string, since?: number): RecordedRequest[]
  /** Definitions polls (`GET /flags/definitions`) received at or after `since`. */
  definitionsPolls(since?: number): RecordedRequest[]
}

export function serverControl(server: RunningServer): ServerControl {
  const requests = (prefix: string, since = 0): RecordedRequest[] => server.requests(prefix).filter((r) => r.receivedAt >= since)
  return {
    setFlags: (definitions) => server.flags.set(definitions, 'control'),
    injectFaults: (...faults) => server.injectFaults(...faults),
    requests,
    definitionsPolls: (since) => requests('/flags/definitions', since).filter((r) => r.method === 'GET'),
  }
}
