import type { ServerResponse } from 'node:http'
import type { Reply } from './router.js'

const CORS: Record<string, string> = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, PUT, DELETE, OPTIONS, HEAD',
  'access-control-allow-headers': '*',
}

/** Writes a reply; JSON bodies are stringified here, once. */
export function send(res: ServerResponse, reply: Reply, method: string): void {
  if (res.headersSent || res.destroyed) return
  const headers: Record<string, string> = { ...CORS, ...reply.headers }
  let payload: string | Buffer | undefined
  if (reply.body === undefined || reply.status === 204 || reply.status === 304) {
    payload = undefined
  } else if (typeof reply.body === 'string' || Buffer.isBuffer(reply.body)) {
    payload = reply.body
    headers['content-type'] ??= 'text/plain; charset=utf-8'
  } else {
    payload = JSON.stringify(reply.body)
    headers['content-type'] ??= 'application/json'
  }
  if (payload !== undefined) headers['content-length'] = String(Buffer.byteLength(payload))
  res.writeHead(reply.status, headers)
  res.end(method === 'HEAD' ? undefined : payload)
}

export const json = (status: number, body: unknown, headers?: Record<string, string>): Reply => ({ status, body, headers })
