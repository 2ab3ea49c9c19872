import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

const dist = fileURLToPath(new URL('../dist/', import.meta.url))
const built = existsSync(join(dist, 'demo.js')) && existsSync(join(dist, 'cli.js'))

function run(args: string[], env: Record<string, string> = {}): { child: ChildProcess; output: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout!.on('data', (c) => (out += c))
  child.stderr!.on('data', (c) => (out += c))
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, output: () => out, exit }
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 50))
  }
}

if (!built) console.warn('demo and CLI tests skipped: run `npm run build` first (npm test does)')

describe.skipIf(!built)('built demo and CLI', () => {
  it('runs the demo end to end with --exit and prints what the server stored', async () => {
    const demo = run([join(dist, 'demo.js')], { HOGLET_DEMO_EXIT: '1' })
    expect(await demo.exit).toBe(0)
    const out = demo.output()
    expect(out).toMatch(/Events stored: \d+/)
    expect(out).toContain('$feature_flag_called')
    expect(out).toMatch(/anon-7f3a, user-alice, zendesk-4411/)
    expect(out).toContain('company:acme')
    expect(out).toMatch(/local\s+user-alice\s+checkout-experiment\s+"test"/)
    expect(out).toMatch(/remote\s+user-carol\s+priority-support\s+true/)
    expect(out).toMatch(/SDK delivery: (\d+) captured, \1 delivered, 0 dropped/)
    expect(out).toContain('Demo finished.')
  }, 60_000)

  const dir = mkdtempSync(join(tmpdir(), 'hoglet-cli-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('CLI serves on the given port, prints its URL, and closes cleanly on SIGTERM', async () => {
    const cli = run([join(dist, 'cli.js'), '--port', '0', '--db', join(dir, 'cli.db'), '--flags', fileURLToPath(new URL('../examples/flags.yaml', import.meta.url))])
    await waitFor(() => /running at (http:\/\/\S+)/.test(cli.output()), 15_000)
    const url = /running at (http:\/\/\S+)/.exec(cli.output())![1]!
    const res = await fetch(`${url}/batch/`, { method: 'POST', body: JSON.stringify({ api_key: 'k', batch: [{ event: 'cli', distinct_id: 'u' }] }) })
    expect(res.status).toBe(200)
    const defs = await fetch(`${url}/flags/definitions?token=k`, { headers: { authorization: 'Bearer x' } })
    expect((await defs.json()).flags.length).toBeGreaterThan(3)
    // The printed page address carries the control token; the control API needs it.
    const token = /web page:\s+\S+\/\?token=(\S+)/.exec(cli.output())![1]!
    expect((await fetch(`${url}/_hoglet/stats`)).status).toBe(401)
    const stats = await fetch(`${url}/_hoglet/stats`, { headers: { authorization: `Bearer ${decodeURIComponent(token)}` } })
    expect((await stats.json()).events).toBe(1)
    cli.child.kill('SIGTERM')
    expect(await cli.exit).toBe(0)
    expect(cli.output()).toContain('SIGTERM received')
  }, 30_000)

  it('CLI takes a chosen control token and warns when bound beyond loopback', async () => {
    const cli = run([join(dist, 'cli.js'), '--port', '0', '--host', '0.0.0.0', '--db', ':memory:', '--control-token', 'chosen-secret-1'])
    await waitFor(() => /running at (http:\/\/\S+)/.test(cli.output()), 15_000)
    const port = /running at http:\/\/\S+:(\d+)/.exec(cli.output())![1]!
    expect(cli.output()).toContain('which other machines can reach')
    const base = `http://127.0.0.1:${port}`
    expect((await fetch(`${base}/_hoglet/stats`, { headers: { authorization: 'Bearer wrong-secret' } })).status).toBe(401)
    expect((await fetch(`${base}/_hoglet/stats`, { headers: { authorization: 'Bearer chosen-secret-1' } })).status).toBe(200)
    cli.child.kill('SIGTERM')
    expect(await cli.exit).toBe(0)
  }, 30_000)

  it('CLI refuses a bad option with exit code 2 and usage', async () => {
    const cli = run([join(dist, 'cli.js'), '--port', 'abc'])
    expect(await cli.exit).toBe(2)
    expect(cli.output()).toContain('`--port` must be a number')
    expect(cli.output()).toContain('Usage: hoglet-server')
  })
})
