import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { IncomingEvent } from './events.js'
import { Store } from './store.js'

const MB = 1024 * 1024

function events(count: number, from: number): IncomingEvent[] {
  const pad = 'x'.repeat(1000)
  return Array.from({ length: count }, (_, k) => ({
    uuid: randomUUID(),
    event: 'page viewed',
    distinct_id: `user-${k % 20}`,
    timestamp: new Date().toISOString(),
    propertiesJson: JSON.stringify({ i: from + k, pad }),
  }))
}

async function until(check: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) if (check()) return true
  return check()
}

describe('background checkpoints', () => {
  it('copies the WAL into the database file while events are stored, long before the WAL reaches its auto-checkpoint size', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hoglet-checkpoint-'))
    const path = join(dir, 'events.db')
    const store = new Store(path)
    try {
      // About 12 MiB of events: well under the main connection's 40 MiB auto-checkpoint.
      for (let i = 0; i < 5; i++) {
        store.ingest(events(2500, i * 2500), '/batch/')
        await new Promise((r) => setTimeout(r, 250)) // one checkpoint per 200 ms at most
      }
      expect(await until(() => statSync(path).size > 8 * MB, 5000)).toBe(true)
      expect(store.events.count()).toBe(12_500)
    } finally {
      store.close()
    }
    // Everything committed is there for the next opening, whatever the worker had copied.
    const reopened = new Store(path)
    try {
      expect(reopened.events.count()).toBe(12_500)
    } finally {
      reopened.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
