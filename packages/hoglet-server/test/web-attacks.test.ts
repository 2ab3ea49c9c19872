import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer as createHttpServer, type Server } from 'node:http'
import { connect, createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type RunningServer } from '../src/index.js'
import { batchBody, event, get, post } from './helpers.js'

const CHROMIUM = '/usr/bin/chromium'
const hasChromium = existsSync(CHROMIUM)
if (!hasChromium) console.warn(`cross-origin and DNS-rebinding browser tests skipped: ${CHROMIUM} is not installed (apt-get install chromium)`)

const SECRET_EMAIL = 'victim@private.example'
const SECRET_KEY = 'phx_victimpersonalkey0123456789'

interface Attempt {
  name: string
  ok: boolean
  value?: string
  error?: string
}

/**
 * The attacks a hostile page makes, as the page's script. `T` is the base of hoglet-server
 * as the page addresses it ('' when the page believes it is hoglet-server's own origin).
 */
function attackScript(target: string): string {
  return `
const T = ${JSON.stringify(target)};
const results = [];
async function attempt(name, fn) {
  try { const v = await fn(); results.push({ name, ok: true, value: String(v).slice(0, 2000) }); }
  catch (e) { results.push({ name, ok: false, error: String(e) }); }
}
const text = (r) => r.text().then((t) => r.status + ' ' + t);
const json = (body) => ({ method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: JSON.stringify(body) });
function formPost(path) {
  return new Promise((resolve) => {
    const frame = document.createElement('iframe'); frame.name = 'sink' + Math.random(); document.body.appendChild(frame);
    const form = document.createElement('form'); form.method = 'POST'; form.action = T + path; form.target = frame.name;
    const input = document.createElement('input'); input.name = 'x'; input.value = '1'; form.appendChild(input);
    document.body.appendChild(form);
    frame.onload = () => resolve('submitted'); form.submit(); setTimeout(() => resolve('submitted (no load event)'), 3000);
  });
}
(async () => {
  // A public endpoint answers any origin, as PostHog's does: proves this page really runs and reaches the server.
  await attempt('public /flags', () => fetch(T + '/flags?v=2', { method: 'POST', body: JSON.stringify({ token: 't', distinct_id: 'victim' }) }).then(text));
  await attempt('read events', () => fetch(T + '/_hoglet/events').then(text));
  await attempt('read events with credentials', () => fetch(T + '/_hoglet/events', { credentials: 'include' }).then(text));
  await attempt('read persons', () => fetch(T + '/_hoglet/persons').then(text));
  await attempt('read request log', () => fetch(T + '/_hoglet/requests').then(text));
  await attempt('read stats', () => fetch(T + '/_hoglet/stats').then(text));
  await attempt('read the page', () => fetch(T + '/', { headers: { accept: 'text/html' } }).then(text));
  await attempt('read stats (no-cors)', () => fetch(T + '/_hoglet/stats', { mode: 'no-cors' }).then((r) => r.type + ':' + r.status));
  await attempt('reset (no-cors POST)', () => fetch(T + '/_hoglet/reset', { method: 'POST', mode: 'no-cors', body: 'x' }).then((r) => r.type));
  await attempt('replace flags (PUT)', () => fetch(T + '/_hoglet/flags', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ flags: [{ key: 'pwned' }] }) }).then(text));
  await attempt('replace flags (no-cors POST)', () => fetch(T + '/_hoglet/flags', json({ flags: [{ key: 'pwned' }] })).then((r) => r.type));
  await attempt('inject faults (no-cors POST)', () => fetch(T + '/_hoglet/faults', json({ status: 500, times: 1000 })).then((r) => r.type));
  await attempt('quota switch (PUT)', () => fetch(T + '/_hoglet/settings', { method: 'PUT', body: JSON.stringify({ quotaLimited: true }) }).then(text));
  await attempt('delete events (DELETE)', () => fetch(T + '/_hoglet/events', { method: 'DELETE' }).then(text));
  await attempt('event stream', () => new Promise((resolve, reject) => {
    const es = new EventSource(T + '/_hoglet/stream');
    es.onopen = () => { es.close(); resolve('open'); };
    es.onerror = () => { es.close(); reject(new Error('stream refused')); };
    setTimeout(() => { es.close(); reject(new Error('stream timeout')); }, 3000);
  }));
  await attempt('script include of events', () => new Promise((resolve, reject) => {
    const s = document.createElement('script'); s.src = T + '/_hoglet/events';
    s.onload = () => resolve('loaded'); s.onerror = () => reject(new Error('script refused')); document.body.appendChild(s);
  }));
  await attempt('form POST reset', () => formPost('/_hoglet/reset'));
  await attempt('form POST flags', () => formPost('/_hoglet/flags'));
  window.attackResults = results;
})();
`
}

const page = (script: string): string => `<!doctype html><html><head><title>attacker</title></head><body><h1>nothing to see</h1><script>${script}</script></body></html>`

/** A second site on loopback that serves the attack page. */
async function startAttackerSite(target: string): Promise<{ server: Server; port: number }> {
  const server = createHttpServer((req, res) => {
    if (req.url?.startsWith('/attack')) {
      res.writeHead(200, { 'content-type': 'text/html' })
      res.end(page(attackScript(target)))
    } else {
      res.writeHead(404).end()
    }
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return { server, port: (server.address() as { port: number }).port }
}

/**
 * DNS rebinding, without DNS: `rebind.test` resolves (in Chromium) to 127.0.0.2 on
 * hoglet-server's port. The first connection gets the attacker's page; every later one is
 * piped to hoglet-server, as if the name had been re-pointed at 127.0.0.1. The browser then
 * treats hoglet-server as the attack page's own origin.
 */
async function startRebindingProxy(port: number): Promise<TcpServer> {
  let rebound = false
  const sockets = new Set<Socket>()
  const proxy = createTcpServer((client) => {
    sockets.add(client)
    client.on('close', () => sockets.delete(client))
    client.on('error', () => {})
    client.once('data', (first) => {
      if (!rebound && first.toString('latin1').startsWith('GET /attack')) {
        const body = page(attackScript(''))
        client.end(`HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`)
        rebound = true
        return
      }
      if (!rebound) return void client.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n')
      const upstream = connect(port, '127.0.0.1')
      sockets.add(upstream)
      upstream.on('close', () => sockets.delete(upstream))
      upstream.on('error', () => client.destroy())
      upstream.write(first)
      client.pipe(upstream)
      upstream.pipe(client)
    })
  })
  const close = proxy.close.bind(proxy)
  proxy.close = (cb?: (err?: Error) => void) => {
    for (const s of sockets) s.destroy()
    return close(cb)
  }
  await new Promise<void>((resolve, reject) => {
    proxy.once('error', reject)
    proxy.listen(port, '127.0.0.2', () => resolve())
  })
  return proxy
}

describe.skipIf(!hasChromium)('a hostile page in Chromium cannot read or change hoglet-server', () => {
  const profile = mkdtempSync(join(tmpdir(), 'hoglet-chromium-attacks-'))
  let context: BrowserContext
  let server: RunningServer
  const closers: Array<() => Promise<unknown>> = []

  beforeAll(async () => {
    // One server for the whole suite (the helpers' server closes after each test).
    server = await startServer({ database: ':memory:' })
    closers.push(() => server.close())
    // Something worth stealing: an email in a person and an event, and a personal API key sent by an SDK.
    await post(server, '/batch/', batchBody([event('$identify', 'victim', { $set: { email: SECRET_EMAIL } }), event('paid', 'victim', { email: SECRET_EMAIL })]))
    await get(server, '/flags/definitions?token=phc_x', { authorization: `Bearer ${SECRET_KEY}` })
    await post(server, '/_hoglet/flags', { flags: [{ key: 'real-flag' }] })
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--host-resolver-rules=MAP evil.test 127.0.0.1, MAP rebind.test 127.0.0.2',
      ],
    })
  }, 60_000)

  afterAll(async () => {
    await context?.close()
    for (const close of closers.splice(0)) await close()
    rmSync(profile, { recursive: true, force: true })
  })

  async function runAttack(url: string): Promise<Attempt[]> {
    const tab = await context.newPage()
    try {
      await tab.goto(url)
      await tab.waitForFunction(() => (window as unknown as { attackResults?: unknown }).attackResults !== undefined, null, { timeout: 60_000 })
      return (await tab.evaluate(() => (window as unknown as { attackResults: Attempt[] }).attackResults)) as Attempt[]
    } finally {
      await tab.close()
    }
  }

  /** Nothing the attack did left a trace on the server, and nothing it read held a secret. */
  async function expectUntouched(attempts: Attempt[]): Promise<void> {
    const everything = JSON.stringify(attempts)
    expect(everything).not.toContain(SECRET_EMAIL)
    expect(everything).not.toContain('victimpersonalkey')
    expect(everything).not.toContain('"events":')
    expect(server.store.events.count()).toBe(2)
    expect(server.flags.definitions.flags.map((f) => f.key)).toEqual(['real-flag'])
    expect((await get(server, '/_hoglet/faults')).body.results).toEqual([])
    expect((await post(server, '/flags', { token: 't', distinct_id: 'victim' }, { query: '?v=2' })).body.quotaLimited).toBeUndefined()
    expect(server.requests('/flags/definitions')).toHaveLength(1)
  }

  const describeAttempts = (attempts: Attempt[]): string => attempts.map((a) => `${a.name}: ${a.ok ? `answered ${a.value?.slice(0, 60)}` : a.error}`).join('\n')

  it('from another origin (another port on 127.0.0.1, and a cross-site name)', async () => {
    const site = await startAttackerSite(server.url)
    closers.push(() => new Promise((r) => site.server.close(r)))
    for (const origin of [`http://127.0.0.1:${site.port}`, `http://evil.test:${site.port}`]) {
      const attempts = await runAttack(`${origin}/attack.html`)
      console.log(`attack from ${origin}:\n${describeAttempts(attempts)}`)
      expect(attempts).toHaveLength(18)
      // The harness works: the public endpoint answered the attack page.
      expect(attempts[0]).toMatchObject({ name: 'public /flags', ok: true })
      expect(attempts[0]!.value).toContain('"real-flag"')
      for (const a of attempts.slice(1)) {
        // A readable answer would be `ok` with a status and body; opaque no-cors answers carry nothing.
        if (a.ok) expect([a.name, a.value]).toEqual([a.name, expect.stringMatching(/^(opaque(:0)?|submitted.*)$/)])
      }
      await expectUntouched(attempts)
    }
  }, 120_000)

  it('through DNS rebinding (a foreign Host on the same origin)', async () => {
    const proxy = await startRebindingProxy(server.port)
    closers.push(() => new Promise((r) => proxy.close(() => r(undefined))))
    const attempts = await runAttack(`http://rebind.test:${server.port}/attack.html`)
    console.log(`rebinding attack:\n${describeAttempts(attempts)}`)
    expect(attempts).toHaveLength(18)
    expect(attempts[0]).toMatchObject({ name: 'public /flags', ok: true })
    // Same origin to the browser, so answers are readable: each must be the refusal.
    for (const a of attempts.slice(1)) {
      if (a.ok) expect([a.name, a.value]).toEqual([a.name, expect.stringMatching(/^(403 |opaque|basic|submitted)/)])
    }
    const reads = attempts.filter((a) => a.name.startsWith('read ') && !a.name.includes('no-cors'))
    expect(reads.length).toBe(6)
    for (const r of reads) expect([r.name, r.value?.slice(0, 4)]).toEqual([r.name, '403 '])
    await expectUntouched(attempts)
  }, 120_000)

  it('while the real page, opened from its printed address, reads and changes the server', async () => {
    const tab = await context.newPage()
    try {
      await tab.goto(server.pageUrl)
      await tab.locator('#live.on').waitFor({ timeout: 15_000 })
      await tab.locator('#events tr', { hasText: 'paid' }).waitFor({ timeout: 15_000 })
      expect(await tab.locator('#stat-events').textContent()).toBe('2')
      await tab.getByRole('button', { name: 'Persons', exact: true }).click()
      await tab.locator('#persons .card', { hasText: SECRET_EMAIL }).waitFor({ timeout: 5_000 })
      await tab.getByRole('button', { name: 'Events', exact: true }).click()
      await tab.locator('#clear-events').click()
      await expect.poll(() => server.store.events.count(), { timeout: 10_000 }).toBe(0)
    } finally {
      await tab.close()
    }
  }, 60_000)
})
