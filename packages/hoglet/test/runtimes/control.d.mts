export interface ControlClient {
  stats(): Promise<any>
  events(query?: { distinctId?: string; event?: string; limit?: number }): Promise<any[]>
  lastRequestId(): Promise<number>
  requests(pathPrefix?: string): Promise<any[]>
  addFaults(faults: unknown): Promise<unknown>
  clearFaults(): Promise<unknown>
  setFlags(definitions: unknown): Promise<unknown>
  person(distinctId: string): Promise<any>
  groups(): Promise<any[]>
  evaluate(distinctId: string, personProperties?: Record<string, unknown>): Promise<any>
  waitForEvents(distinctId: string, count: number, options?: { event?: string; timeoutMs?: number }): Promise<any[]>
}
export function controlClient(serverUrl: string, controlToken: string | undefined): ControlClient
