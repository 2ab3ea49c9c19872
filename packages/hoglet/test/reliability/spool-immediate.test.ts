import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { PostHog } from '../../src/index.js'
import { silentLogger } from '../../src/logger.js'
import { receivedEvents, serverPerTest } from '../helpers/client.js'

// README: "Immediate calls (`captureImmediate`, …) are not spooled: they are sent at once and awaited."
let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hoglet-spool-immediate-'))
})
afterEach(() => {
  rmSync(dir, { recursive: true, force: true })
})
const { server, track } = serverPerTest()

function spooled(): PostHog {
  return track(new PostHog('phc_spool', { host: server.url, logger: silentLogger, flushAt: 1000, flushInterval: 0, fetchRetryCount: 0, persistence: 'file', persistenceDir: dir }))
}

function spoolText(): string {
  const parts: string[] = []
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const path = join(d, name)
      if (statSync(path).isDirectory()) walk(path)
      else if (name.endsWith('.seg')) parts.push(readFileSync(path, 'utf8'))
    }
  }
  if (existsSync(dir)) walk(dir)
  return parts.join('\n')
}

describe('Immediate calls and the durable spool', () => {
  it('a queued capture is written to the spool; captureImmediate and identifyImmediate are not, and are delivered at once', async () => {
    const c = spooled()
    c.capture({ distinctId: 'u', event: 'queued-event-marker' })
    await c.captureImmediate({ distinctId: 'u', event: 'immediate-event-marker' })
    await c.identifyImmediate({ distinctId: 'u', properties: { marker: 'identify-immediate-marker' } })
    const text = spoolText()
    expect(text).toContain('queued-event-marker')
    expect(text).not.toContain('immediate-event-marker')
    expect(text).not.toContain('identify-immediate-marker')
    expect(receivedEvents(server).map((e) => e.event)).toEqual(['immediate-event-marker', '$identify'])
  })

  it('an Immediate call that failed is not replayed by the next client on the directory', async () => {
    server.route('/batch/', { status: 500 })
    const first = spooled()
    await first.captureImmediate({ distinctId: 'u', event: 'failed-immediate' })
    expect(first.stats().delivered).toBe(0)
    await first.shutdown(1000)
    server.route('/batch/', { status: 200, body: { status: 1 } })
    const second = spooled()
    await second.shutdown(2000)
    expect(second.stats().replayed).toBe(0)
    // Only the one failed attempt (fetchRetryCount 0) ever carried it.
    const carrying = server.requestsTo('/batch/').filter((r) => (r.json?.batch ?? []).some((e: { event: string }) => e.event === 'failed-immediate'))
    expect(carrying).toHaveLength(1)
  })
})
