import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { sendSyncBlocking, unhandledRejectionsMode } from './node-process-hooks.js'

describe('unhandledRejectionsMode', () => {
  it("is Node's default `throw` when nothing is set", () => {
    expect(unhandledRejectionsMode([], '')).toBe('throw')
  })
  it('reads the flag from execArgv, in both spellings, the last one winning', () => {
    expect(unhandledRejectionsMode(['--unhandled-rejections=warn'], '')).toBe('warn')
    expect(unhandledRejectionsMode(['--unhandled-rejections', 'none'], '')).toBe('none')
    expect(unhandledRejectionsMode(['--unhandled-rejections=warn', '--unhandled-rejections=strict'], '')).toBe('strict')
  })
  it('falls back to NODE_OPTIONS, with the command line winning', () => {
    expect(unhandledRejectionsMode([], '--max-old-space-size=100 --unhandled-rejections=warn-with-error-code')).toBe('warn-with-error-code')
    expect(unhandledRejectionsMode(['--unhandled-rejections=none'], '--unhandled-rejections=strict')).toBe('none')
  })
  it('ignores values Node would reject', () => {
    expect(unhandledRejectionsMode(['--unhandled-rejections=loud'], '')).toBe('throw')
  })
})

describe('sendSyncBlocking', () => {
  it('delivers from a worker while this thread waits, and reports the status', async () => {
    // The server lives in a child process: this thread is blocked while the request is made.
    const { spawn } = await import('node:child_process')
    const child = spawn(process.execPath, ['-e', `
      const s = require('node:http').createServer((q, r) => { let b = ''; q.on('data', c => b += c); q.on('end', () => { process.stdout.write('BODY ' + b + '\\n'); r.writeHead(202); r.end() }) })
      s.listen(0, '127.0.0.1', () => process.stdout.write('PORT ' + s.address().port + '\\n'))
    `])
    let out = ''
    child.stdout.on('data', (c) => (out += c))
    await expect.poll(() => /PORT (\d+)/.test(out), { timeout: 10_000 }).toBe(true)
    const port = /PORT (\d+)/.exec(out)![1]
    const result = sendSyncBlocking([{ url: `http://127.0.0.1:${port}/batch/`, headers: { 'Content-Type': 'application/json' }, body: '{"batch":[]}' }], 10_000)
    expect(result).toEqual({ statuses: [202], timedOut: false })
    await expect.poll(() => out.includes('BODY {"batch":[]}'), { timeout: 10_000 }).toBe(true)
    child.kill()
  })

  it('gives up after the timeout when nobody answers', async () => {
    // A server in this (blocked) thread can accept nothing: the wait must end on its own.
    const server = createServer(() => {})
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    const result = sendSyncBlocking([{ url: `http://127.0.0.1:${port}/batch/`, headers: {}, body: '{}' }], 300)
    expect(result.timedOut).toBe(true)
    expect(result.statuses).toEqual([0])
    server.close()
  })
})
