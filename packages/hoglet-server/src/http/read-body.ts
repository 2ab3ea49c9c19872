import type { IncomingMessage } from 'node:http'
import { HttpError } from './errors.js'

/**
 * Reads the raw request body, refusing with 413 as soon as it passes `limit` bytes, so an
 * oversize upload is never held in memory whole.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > limit) {
    req.resume()
    return Promise.reject(tooLarge(limit))
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let failed = false
    req.on('data', (chunk: Buffer) => {
      if (failed) return
      size += chunk.length
      if (size > limit) {
        failed = true
        chunks.length = 0
        reject(tooLarge(limit))
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => {
      if (!failed) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size))
    })
    req.on('error', (err) => {
      if (!failed) {
        failed = true
        reject(new HttpError(400, 'incomplete_body', `the request body could not be read: ${err.message}`))
      }
    })
    // A client that goes away mid-body: nothing more will come, so settle now.
    req.on('close', () => {
      if (!failed && !req.complete) {
        failed = true
        reject(new HttpError(400, 'incomplete_body', 'the client closed the connection before the body ended'))
      }
    })
  })
}

export function tooLarge(limit: number): HttpError {
  return new HttpError(413, 'payload_too_large', `request body is larger than ${limit} bytes`)
}
