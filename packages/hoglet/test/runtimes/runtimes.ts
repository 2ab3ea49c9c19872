// The runtimes of the conformance suite and how each one is launched. Every runtime comes from
// an npm package the repository installs (devDependencies, plus Node 22/24 in node-versions/);
// `unavailable()` says why one cannot run here, and the suite then skips it with that notice.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { controlClient } from './control.mjs'
import { verifyAfterResponse } from './scenarios.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const repo = join(here, '..', '..', '..', '..')
const modules = join(repo, 'node_modules')
const harness = join(here, 'harness')

export interface ScenarioResult {
  name: string
  ok: boolean
  observed?: unknown
  error?: string
}

/** What the scenarios are told to expect of a runtime (never detected by the runtime itself). */
export interface RuntimeExpectations {
  /** AsyncLocalStorage carries `withContext` across awaits. */
  asyncContext: boolean
  /** Batches are gzipped (CompressionStream or node:zlib). */
  gzip: boolean
}

export interface ServerAccess {
  serverUrl: string
  controlToken: string | undefined
}

export interface RuntimeTarget {
  name: string
  expect: RuntimeExpectations
  /** The platform gives handlers a `waitUntil` of its own. */
  platformWaitUntil: boolean
  unavailable(): string | undefined
  run(scenarios: string[], server: ServerAccess): Promise<ScenarioResult[]>
}

function binary(...candidates: string[]): string | undefined {
  // npm shells for some runtimes are placeholders until their postinstall swaps the binary in.
  return candidates.find((file) => existsSync(file) && statSync(file).size > 1_000_000)
}

const NODE_VERSIONS = join(here, 'node-versions', 'node_modules')
const missingNodeVersions = 'run `npm ci --prefix packages/hoglet/test/runtimes/node-versions` (done by `npm ci` through the root postinstall)'

function envFor(name: string, expect: RuntimeExpectations, server: ServerAccess) {
  return { runtime: name, serverUrl: server.serverUrl, controlToken: server.controlToken, expect }
}

/** A runtime that runs a script file: the scenarios run in one process, one result line each. */
function scriptRuntime(
  name: string,
  expect: RuntimeExpectations,
  findBinary: () => string | undefined,
  notice: string,
  args: (script: string) => string[],
): RuntimeTarget {
  return {
    name,
    expect,
    platformWaitUntil: false,
    unavailable: () => (findBinary() ? undefined : notice),
    async run(scenarios, server) {
      const env = { ...process.env, HOGLET_CONFORMANCE: JSON.stringify({ scenarios, env: envFor(name, expect, server) }) }
      const { stdout, stderr, code } = await runToEnd(spawn(findBinary()!, args(join(harness, 'process-runner.mjs')), { cwd: repo, env }))
      const results = stdout
        .split('\n')
        .filter((line) => line.startsWith('@@conformance '))
        .map((line) => JSON.parse(line.slice('@@conformance '.length)) as ScenarioResult)
      if (results.length === 0) throw new Error(`${name} exited with ${code} and reported nothing:\n${stderr.slice(-4000)}`)
      return results
    },
  }
}

function runToEnd(child: ChildProcess, timeoutMs = 240_000): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    let stdout = ''
    let stderr = ''
    child.stdout!.on('data', (d) => (stdout += d))
    child.stderr!.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ stdout, stderr, code })
    })
  })
}

/** Sends each scenario to a fetch handler; after a 'platform waitUntil' response, checks delivery. */
async function runOverHttp(url: string, name: string, expect: RuntimeExpectations, scenarios: string[], server: ServerAccess, afterEach?: (response: Response) => Promise<void>) {
  const control = controlClient(server.serverUrl, server.controlToken)
  const results: ScenarioResult[] = []
  for (const scenario of scenarios) {
    const response = await fetch(url, { method: 'POST', body: JSON.stringify({ name: scenario, env: envFor(name, expect, server) }) })
    const text = await response.text()
    let result: ScenarioResult
    try {
      result = JSON.parse(text) as ScenarioResult
    } catch {
      result = { name: scenario, ok: false, error: `HTTP ${response.status}: ${text.slice(0, 2000)}` }
    }
    await afterEach?.(response)
    const pending = (result.observed as { afterResponse?: Array<{ distinctId: string; count: number }> } | undefined)?.afterResponse
    if (result.ok && pending) {
      const failure = await verifyAfterResponse(control, pending)
      if (failure) result = { ...result, ok: false, error: failure }
    }
    results.push(result)
  }
  return results
}

/** A listening socket on 127.0.0.1:0, handed to a child process as file descriptor 3. */
async function listeningSocket(): Promise<{ fd: number; port: number; close: () => void }> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  const fd = (server as unknown as { _handle: { fd: number } })._handle.fd
  return { fd, port, close: () => server.close() }
}

async function bundle(entry: string, outfile: string, format: 'esm' | 'iife', conditions: string[]): Promise<void> {
  const esbuild = await import('esbuild')
  // What a user's bundler does for these platforms: the package's export conditions pick the entry.
  await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format,
    platform: 'neutral',
    mainFields: ['module', 'main'],
    conditions,
    external: ['node:*'],
    target: 'es2022',
    logLevel: 'silent',
  })
}

const workerdBinary = () => binary(join(modules, '@cloudflare', 'workerd-linux-64', 'bin', 'workerd'), join(modules, 'workerd', 'bin', 'workerd'))

function workerdConfig(nodejsCompat: boolean): string {
  const flags = nodejsCompat ? '"nodejs_compat"' : ''
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "internet", network = (allow = ["local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:0", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [(name = "worker.js", esModule = embed "worker.js")],
  compatibilityDate = "2025-09-01",
  compatibilityFlags = [${flags}],
);
`
}

/** Cloudflare's runtime: the Worker bundled with the `workerd` condition, served by the workerd binary. */
function workerdRuntime(nodejsCompat: boolean): RuntimeTarget {
  const name = nodejsCompat ? 'workerd (nodejs_compat)' : 'workerd'
  // nodejs_compat offers AsyncLocalStorage through process.getBuiltinModule; without it there is none.
  const expect = { asyncContext: nodejsCompat, gzip: true }
  return {
    name,
    expect,
    platformWaitUntil: true,
    unavailable: () => (workerdBinary() ? undefined : 'the workerd npm package has no binary for this platform'),
    async run(scenarios, server) {
      const dir = mkdtempSync(join(tmpdir(), 'hoglet-workerd-'))
      await bundle(join(harness, 'worker.mjs'), join(dir, 'worker.js'), 'esm', ['workerd', 'worker', 'browser', 'import'])
      writeFileSync(join(dir, 'config.capnp'), workerdConfig(nodejsCompat))
      const socket = await listeningSocket()
      const child = spawn(workerdBinary()!, ['serve', join(dir, 'config.capnp'), '--socket-fd', 'http=3', '--experimental'], {
        cwd: dir,
        stdio: ['ignore', 'pipe', 'pipe', socket.fd],
      })
      socket.close()
      let stderr = ''
      child.stderr!.on('data', (d) => (stderr += d))
      child.stdout!.resume()
      try {
        return await runOverHttp(`http://127.0.0.1:${socket.port}/`, name, expect, scenarios, server)
      } catch (error) {
        throw new Error(`${name}: ${(error as Error).message}\n${stderr.slice(-4000)}`)
      } finally {
        child.kill('SIGTERM')
        rmSync(dir, { recursive: true, force: true })
      }
    },
  }
}

/** Vercel's edge runtime (the `edge-runtime` package): a fetch listener bundled with `edge-light`. */
function edgeRuntime(): RuntimeTarget {
  const name = 'vercel edge-runtime'
  // The edge-runtime package has neither AsyncLocalStorage nor CompressionStream.
  const expect = { asyncContext: false, gzip: false }
  return {
    name,
    expect,
    platformWaitUntil: true,
    unavailable: () => (existsSync(join(modules, 'edge-runtime')) ? undefined : 'the edge-runtime package is not installed'),
    async run(scenarios, server) {
      const dir = mkdtempSync(join(tmpdir(), 'hoglet-edge-'))
      try {
        const out = join(dir, 'edge.js')
        await bundle(join(harness, 'edge.mjs'), out, 'iife', ['edge-light', 'worker', 'browser', 'import'])
        const { EdgeRuntime, runServer } = await import('edge-runtime')
        const { readFileSync } = await import('node:fs')
        const runtime = new EdgeRuntime({ initialCode: readFileSync(out, 'utf8') })
        const served = await runServer({ runtime, host: '127.0.0.1', port: 0 })
        try {
          return await runOverHttp(served.url, name, expect, scenarios, server, async () => void (await served.waitUntil()))
        } finally {
          await served.close()
        }
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    },
  }
}

const node = { asyncContext: true, gzip: true }

export const RUNTIMES: RuntimeTarget[] = [
  scriptRuntime('node 20', node, () => process.execPath, '', (script) => [script]),
  scriptRuntime('node 22', node, () => binary(join(NODE_VERSIONS, 'node22', 'bin', 'node')), `Node 22 is not installed: ${missingNodeVersions}`, (s) => [s]),
  scriptRuntime('node 24', node, () => binary(join(NODE_VERSIONS, 'node24', 'bin', 'node')), `Node 24 is not installed: ${missingNodeVersions}`, (s) => [s]),
  scriptRuntime(
    'bun',
    node,
    () => binary(join(modules, 'bun', 'bin', 'bun.exe'), join(modules, '@oven', 'bun-linux-x64', 'bin', 'bun')),
    'the bun npm package has no binary for this platform',
    (s) => [s],
  ),
  scriptRuntime(
    'deno',
    node,
    () => binary(join(modules, '@deno', 'linux-x64-glibc', 'deno'), join(modules, 'deno', 'deno')),
    'the deno npm package has no binary for this platform',
    (s) => ['run', '--quiet', '--allow-net=127.0.0.1', '--allow-env', '--allow-read', '--allow-sys', '--no-prompt', s],
  ),
  workerdRuntime(false),
  workerdRuntime(true),
  edgeRuntime(),
]
