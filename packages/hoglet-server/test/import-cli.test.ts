import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import type { RunningServer } from '../src/index.js'
import { startTestServer } from './helpers.js'

// Runs the built `hoglet` bin (npm run build first) as a separate process, as a user would.
const BIN = fileURLToPath(new URL('../../hoglet/bin/hoglet.js', import.meta.url))
const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hoglet-import-'))
  dirs.push(dir)
  return dir
}

/** `count` JSONL events without uuids, each carrying its index `n`. */
function jsonl(count: number, extra: (i: number) => string | undefined = () => undefined): string {
  const lines: string[] = []
  for (let i = 0; i < count; i++) {
    lines.push(JSON.stringify({ event: `event ${i % 7}`, distinct_id: `user-${i % 50}`, timestamp: new Date(Date.UTC(2021, 0, 1) + i * 60_000).toISOString(), properties: { n: i } }))
    const more = extra(i)
    if (more !== undefined) lines.push(more)
  }
  return `${lines.join('\n')}\n`
}

interface Run { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

function run(args: string[], onSpawn?: (child: ChildProcess) => void): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout!.on('data', (d) => (stdout += d))
    child.stderr!.on('data', (d) => (stderr += d))
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))
    onSpawn?.(child)
  })
}

function importArgs(server: RunningServer, file: string, ...more: string[]): string[] {
  return ['import', file, '--api-key', 'phc_import', '--host', server.url, ...more]
}

/** Every stored event's `n`, and whether any `n` arrived under two uuids. */
function census(server: RunningServer) {
  const rows = server.store.db.prepare("SELECT uuid, json_extract(properties, '$.n') AS n FROM events").all() as Array<{ uuid: string; n: number }>
  const uuidsByN = new Map<number, Set<string>>()
  for (const { uuid, n } of rows) {
    if (!uuidsByN.has(n)) uuidsByN.set(n, new Set())
    uuidsByN.get(n)!.add(uuid)
  }
  return { rows: rows.length, distinctUuids: new Set(rows.map((r) => r.uuid)).size, uuidsByN }
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('hoglet import against hoglet-server', () => {
  it('imports every valid line with historical_migration, reports rejected lines and exits 3', async () => {
    const server = await startTestServer()
    const dir = tempDir()
    const file = join(dir, 'events.jsonl')
    writeFileSync(file, jsonl(1200, (i) => (i === 10 ? '{"broken' : i === 500 ? '{"event":"x","timestamp":"2021-01-01T00:00:00Z"}' : i === 900 ? '{"event":"x","distinct_id":"d","timestamp":"yesterday-ish"}' : undefined)))
    const result = await run(importArgs(server, file, '--no-gzip', '--batch-size', '250'))
    expect(result.code, result.stderr).toBe(3)
    const { rows, distinctUuids, uuidsByN } = census(server)
    expect(rows).toBe(1200)
    expect(distinctUuids).toBe(1200)
    expect(uuidsByN.size).toBe(1200)
    const rejects = readFileSync(`${file}.rejects.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    expect(rejects).toEqual([
      { line: 12, reason: 'invalid JSON' },
      { line: 503, reason: 'missing `distinct_id`' },
      { line: 904, reason: 'invalid `timestamp`' },
    ])
    const batches = server.requests('/batch')
    expect(batches).toHaveLength(5)
    expect(batches.every((r) => String(r.body).includes('"historical_migration":true'))).toBe(true)
    expect(result.stdout).toContain('events sent: 1200')
    expect(result.stdout).toContain('rejected lines: 3')
    // The same file again: the completed checkpoint says so and nothing is sent.
    const again = await run(importArgs(server, file))
    expect(again.code).toBe(0)
    expect(again.stdout).toContain('already imported')
    expect(server.store.events.count()).toBe(1200)
  })

  it('resumes after SIGKILL mid-import: no event missing, none under a second uuid', async () => {
    const server = await startTestServer()
    const dir = tempDir()
    const file = join(dir, 'events.jsonl')
    const total = 30_000
    writeFileSync(file, jsonl(total))
    const killed = await run(importArgs(server, file, '--batch-size', '200'), (child) => {
      void waitFor(() => server.store.events.count() >= 3000, 60_000).then(() => child.kill('SIGKILL'))
    })
    expect(killed.signal).toBe('SIGKILL')
    const partial = server.store.events.count()
    expect(partial).toBeGreaterThan(0)
    expect(partial).toBeLessThan(total)
    const checkpoint = JSON.parse(readFileSync(`${file}.checkpoint.json`, 'utf8'))
    expect(checkpoint.complete).toBe(false)
    expect(checkpoint.sent).toBeLessThanOrEqual(partial)

    const resumed = await run(importArgs(server, file, '--batch-size', '200'))
    expect(resumed.code, resumed.stderr).toBe(0)
    expect(resumed.stderr).toContain(`resuming at line ${checkpoint.line}`)
    const { rows, distinctUuids, uuidsByN } = census(server)
    expect(uuidsByN.size).toBe(total) // none missing
    expect(distinctUuids).toBe(total) // none sent twice under a different uuid
    expect([...uuidsByN.values()].every((s) => s.size === 1)).toBe(true)
    // Rows beyond `total` are the batch in flight at the kill, resent under the same uuids (PostHog deduplicates those).
    expect(rows - total).toBeLessThanOrEqual(200)
    console.log(`import resume: ${partial} events before SIGKILL, resumed at line ${checkpoint.line}, ${rows - total} resent under their own uuids`)
  }, 120_000)

  it('stops on SIGINT with a checkpoint (exit 130) and finishes on the next run', async () => {
    const server = await startTestServer()
    const file = join(tempDir(), 'events.jsonl')
    writeFileSync(file, jsonl(20_000))
    const interrupted = await run(importArgs(server, file, '--batch-size', '100'), (child) => {
      void waitFor(() => server.store.events.count() >= 1000, 60_000).then(() => child.kill('SIGINT'))
    })
    expect(interrupted.code).toBe(130)
    expect(interrupted.stdout).toContain('interrupted')
    const checkpoint = JSON.parse(readFileSync(`${file}.checkpoint.json`, 'utf8'))
    // A clean stop: everything stored is exactly what the checkpoint counts.
    expect(server.store.events.count()).toBe(checkpoint.sent)
    const resumed = await run(importArgs(server, file, '--batch-size', '100'))
    expect(resumed.code).toBe(0)
    const { rows, distinctUuids } = census(server)
    expect([rows, distinctUuids]).toEqual([20_000, 20_000])
  }, 120_000)

  it('maps CSV columns (quoted fields across lines, epoch timestamps, a JSON properties column)', async () => {
    const server = await startTestServer()
    const file = join(tempDir(), 'export.csv')
    writeFileSync(file, [
      'user,action,when,plan,props',
      'u1,signed up,1609459200,pro,"{""n"": 1}"',
      'u2,"left a ""review""",1609459260000,"free,',
      'monthly","{""n"": 2}"',
      ',no user,1609459200,free,',
      'u3,too,many,columns,here,oops',
      '',
    ].join('\n'))
    const result = await run(importArgs(server, file, '--distinct-id-field', 'user', '--event-field', 'action', '--timestamp-field', 'when', '--properties-field', 'props'))
    expect(result.code, result.stderr).toBe(3)
    const events = server.store.events.list({ limit: 10 }).sort((a, b) => (a.properties.n as number) - (b.properties.n as number))
    expect(events.map((e) => [e.distinct_id, e.event, e.timestamp, e.properties])).toEqual([
      ['u1', 'signed up', '2021-01-01T00:00:00.000Z', { plan: 'pro', n: 1 }],
      ['u2', 'left a "review"', '2021-01-01T00:01:00.000Z', { plan: 'free,\nmonthly', n: 2 }],
    ])
    const rejects = readFileSync(`${file}.rejects.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    expect(rejects).toEqual([
      { line: 5, reason: 'empty `user`' },
      { line: 6, reason: '6 columns where the header has 5' },
    ])
  })

  it('--dry-run validates and reports without sending or writing a checkpoint', async () => {
    const server = await startTestServer()
    const file = join(tempDir(), 'events.jsonl')
    writeFileSync(file, jsonl(300, (i) => (i === 5 ? '[1,2]' : undefined)))
    const result = await run(['import', file, '--dry-run', '--host', server.url])
    expect(result.code).toBe(3)
    expect(result.stdout).toContain('dry run')
    expect(result.stdout).toContain('valid events: 300')
    expect(readFileSync(`${file}.rejects.jsonl`, 'utf8')).toBe('{"line":7,"reason":"not a JSON object"}\n')
    expect(server.requests('/batch')).toHaveLength(0)
    expect(existsSync(`${file}.checkpoint.json`)).toBe(false)
  })

  it('refuses bad usage with exit 2, naming the option', async () => {
    const missingKey = await run(['import', 'x.jsonl'])
    expect(missingKey.code).toBe(2)
    expect(missingKey.stderr).toContain('--api-key')
    const badBatch = await run(['import', 'x.jsonl', '--api-key', 'k', '--batch-size', 'lots'])
    expect(badBatch.code).toBe(2)
    expect(badBatch.stderr).toContain('--batch-size')
    const unknown = await run(['import', 'x.jsonl', '--api-key', 'k', '--bacth-size', '3'])
    expect(unknown.stderr).toContain('unknown option `--bacth-size`')
  })

  it('prints plain progress lines off a terminal and a redrawn bar with rate and ETA on one', async () => {
    const server = await startTestServer()
    const file = join(tempDir(), 'events.jsonl')
    writeFileSync(file, jsonl(3000))
    const plain = await run(importArgs(server, file, '--batch-size', '100', '--restart'))
    expect(plain.stderr).toMatch(/^progress: 100\.0% 3,000 sent 0 rejected [\d,]+ events\/s ETA 0s$/m)
    expect(plain.stderr).not.toContain('\r')

    const hasScript = spawnSync('script', ['--version']).status === 0
    if (!hasScript) {
      // CI (HOGLET_REQUIRE_RUNTIMES) skips nothing: there a missing `script` fails the test.
      if (process.env.HOGLET_REQUIRE_RUNTIMES) throw new Error('`script` (bsdutils, util-linux) is not installed: the pseudo-terminal progress check cannot run')
      console.log('notice: `script` (bsdutils, util-linux) is not installed; skipping the pseudo-terminal progress check')
      return
    }
    const command = [process.execPath, BIN, ...importArgs(server, file, '--batch-size', '100', '--restart')].map((a) => `'${a}'`).join(' ')
    // Asynchronously: the server answering the import lives in this process.
    const tty = await new Promise<{ status: number | null; stdout: string }>((resolve) => {
      const child = spawn('script', ['-qec', command, '/dev/null'], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, COLUMNS: '100' } })
      let stdout = ''
      child.stdout!.on('data', (d) => (stdout += d))
      child.on('close', (status) => resolve({ status, stdout }))
    })
    expect(tty.status, tty.stdout).toBe(0)
    expect(tty.stdout).toMatch(/\r\x1b\[2K\[#{10,}\] 100\.0% 3,000 sent 0 rejected [\d,]+ events\/s ETA 0s/)
    expect(tty.stdout).not.toContain('progress: ')
  }, 60_000)
})
