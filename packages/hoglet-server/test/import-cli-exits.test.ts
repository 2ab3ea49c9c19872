import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import type { RunningServer } from '../src/index.js'
import { startTestServer } from './helpers.js'

// The README's `hoglet import` claims beyond import-cli.test.ts: exit 1 on a failure, resumable
// from the checkpoint; and `--help` listing the options the README names.
const BIN = fileURLToPath(new URL('../../hoglet/bin/hoglet.js', import.meta.url))
const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

function eventsFile(count: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'hoglet-import-exit-'))
  dirs.push(dir)
  const file = join(dir, 'events.jsonl')
  const lines = Array.from({ length: count }, (_, n) => JSON.stringify({ event: 'past', distinct_id: `user-${n % 9}`, timestamp: new Date(Date.UTC(2022, 0, 1) + n * 1000).toISOString(), properties: { n } }))
  writeFileSync(file, `${lines.join('\n')}\n`)
  return file
}

const storedNs = (server: RunningServer): number[] =>
  (server.store.db.prepare("SELECT json_extract(properties, '$.n') AS n FROM events ORDER BY n").all() as Array<{ n: number }>).map((r) => r.n)

describe('hoglet import exit codes', () => {
  it('exits 1 when PostHog keeps failing, keeps the checkpoint, and the same command then finishes without duplicates', async () => {
    const server = await startTestServer()
    const file = eventsFile(500)
    // Two batches go through, the third gets a 503 and, with no retries, fails the import.
    server.injectFaults({ path: '/batch', delayMs: 0 }, { path: '/batch', delayMs: 0 }, { path: '/batch', status: 503 })
    const args = ['import', file, '--api-key', 'phc_import', '--host', server.url, '--batch-size', '100']
    const failed = await run([...args, '--max-retries', '0'])
    expect(failed.code).toBe(1)
    expect(failed.stdout).toContain('hoglet import: failed')
    expect(failed.stdout).toMatch(/checkpoint: .*events\.jsonl\.checkpoint\.json \(run the same command to resume at line 201\)/)
    expect(storedNs(server)).toEqual(Array.from({ length: 200 }, (_, n) => n))
    expect(JSON.parse(readFileSync(`${file}.checkpoint.json`, 'utf8'))).toMatchObject({ sent: 200, line: 201, complete: false })

    const resumed = await run(args)
    expect(resumed.code).toBe(0)
    expect(resumed.stderr).toContain('resuming at line 201')
    expect(storedNs(server)).toEqual(Array.from({ length: 500 }, (_, n) => n))
  }, 60_000)

  it('exits 1 when the input cannot be read, writing no checkpoint', async () => {
    const server = await startTestServer()
    const missing = join(mkdtempSync(join(tmpdir(), 'hoglet-import-exit-')), 'absent.jsonl')
    dirs.push(join(missing, '..'))
    const result = await run(['import', missing, '--api-key', 'phc_import', '--host', server.url])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('cannot read')
    expect(existsSync(`${missing}.checkpoint.json`)).toBe(false)
    expect(server.requests('/batch')).toHaveLength(0)
  })

  it('--help lists the options and exit codes the README names, and exits 0', async () => {
    const help = await run(['import', '--help'])
    expect(help.code).toBe(0)
    const text = help.stdout + help.stderr
    for (const option of ['--api-key', '--host', '--distinct-id-field', '--event-field', '--timestamp-field', '--uuid-field', '--properties-field', '--dry-run', '--restart', '--checkpoint', '--rejects']) {
      expect(text).toContain(option)
    }
    expect(text).toMatch(/0 imported, 3 imported but some lines were rejected, 1 failed \(resumable\),\s+2 bad usage, 130 interrupted/)
  })
})
