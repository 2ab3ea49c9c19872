import { spawn } from 'node:child_process'

export interface ChildOutcome {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  /** From spawn to exit. */
  ms: number
}

export interface ChildOptions {
  /** Node's own flags, before the fixture (e.g. `--enable-source-maps`). */
  nodeArgs?: string[]
  /** Added to the test process's environment. */
  env?: Record<string, string>
  /** @default 15000 */
  timeoutMs?: number
}

/**
 * Runs a fixture script in its own Node process and waits for it to exit by itself; one that has
 * not exited within `timeoutMs` is SIGKILLed and the promise rejects, naming `what`.
 */
export function runToExit(fixture: string, args: string[], what: string, timeoutMs = 15_000): Promise<ChildOutcome> {
  return runNodeToExit([fixture, ...args], what, { timeoutMs })
}

/**
 * `runToExit` for any Node command line (a script given with `-e`, Node flags first). It settles
 * on 'close', once the child's output has been read to its end: at 'exit' the last lines a
 * crashing process wrote may still be in the pipe.
 */
export function runNodeToExit(argv: string[], what: string, options: ChildOptions = {}): Promise<ChildOutcome> {
  const { nodeArgs = [], env, timeoutMs = 15_000 } = options
  const started = Date.now()
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, ...argv], { env: env && { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    let ms = 0
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    const killer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${what} did not exit by itself within ${timeoutMs / 1000} s`))
    }, timeoutMs)
    child.on('exit', () => (ms = Date.now() - started))
    child.on('close', (code, signal) => {
      clearTimeout(killer)
      resolve({ code, signal, stdout, stderr, ms })
    })
  })
}
