import type { ServerResponse } from 'node:http'
import type { Reply } from './router.js'

/**
 * CORS of PostHog's public API (capture, `/flags`, definitions): any origin may call it, as
 * browser SDKs do. Never sent on the control API or the page.
 */
export const PUBLIC_CORS: Readonly<Record<string, string>> = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, OPTIONS, HEAD',
  'access-control-allow-headers': '*',
}

/** Writes a reply; JSON bodies are stringified here, once. `extra` headers come first (the reply's win). */
export function send(res: ServerResponse, reply: Reply, method: string, extra?: Readonly<Record<string, string>>): void {
  if (res.headersSent || res.destroyed) return
  const headers: Record<string, string> = { ...extra, ...reply.headers }
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
