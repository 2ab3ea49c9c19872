import { gzipSync } from 'node:zlib'
import { afterEach } from 'vitest'
import { startServer, type RunningServer, type ServerOptions } from '../src/index.js'

const running: RunningServer[] = []

/** A hoglet-server on 127.0.0.1:0 with an in-memory database, closed after each test. */
export async function startTestServer(options: ServerOptions = {}): Promise<RunningServer> {
  const server = await startServer({ database: ':memory:', ...options })
  running.push(server)
  return server
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()))
})

export interface PostOptions {
  headers?: Record<string, string>
  gzip?: boolean
  query?: string
}

/** POSTs a body (objects as JSON) and returns status, headers and parsed JSON (or text). */
export async function post(
  server: RunningServer,
  path: string,
  body: unknown,
  opts: PostOptions = {},
): Promise<{ status: number; headers: Headers; body: any }> {
  let payload: string | Buffer = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body)
  const headers: Record<string, string> = { 'content-type': 'application/json', ...controlHeadersFor(server, path), ...opts.headers }
  if (opts.gzip) {
    payload = gzipSync(payload)
    headers['content-encoding'] ??= 'gzip'
  }
  const res = await fetch(`${server.url}${path}${opts.query ?? ''}`, { method: 'POST', headers, body: payload as BodyInit })
  return { status: res.status, headers: res.headers, body: await parse(res) }
}

export async function get(server: RunningServer, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}${path}`, { headers: { ...controlHeadersFor(server, path), ...headers } })
  return { status: res.status, headers: res.headers, body: await parse(res) }
}

/** The control API needs the server's token; `get` and `post` send it on `/_hoglet/*` paths. */
function controlHeadersFor(server: RunningServer, path: string): Record<string, string> {
  return path.startsWith('/_hoglet') ? server.controlHeaders() : {}
}

async function parse(res: Response): Promise<any> {
  const text = await res.text()
  if (text === '') return undefined
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** A valid server-SDK batch body. */
export function batchBody(events: Array<Record<string, unknown>>, token = 'phc_test'): Record<string, unknown> {
  return { api_key: token, batch: events, sent_at: new Date().toISOString() }
}

export function event(name: string, distinctId: string, properties: Record<string, unknown> = {}): Record<string, unknown> & { uuid: string } {
  return { event: name, distinct_id: distinctId, properties, timestamp: new Date().toISOString(), uuid: crypto.randomUUID() }
}
