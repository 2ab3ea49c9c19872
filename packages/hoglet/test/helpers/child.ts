import { spawn } from 'node:child_process'

export interface ChildOutcome {
  code: number | null
  stdout: string
  stderr: string
  /** From spawn to exit. */
  ms: number
}

/**
 * Runs a fixture script in its own Node process and waits for it to exit by itself; one that has
 * not exited within `timeoutMs` is SIGKILLed and the promise rejects, naming `what`.
 */
export function runToExit(fixture: string, args: string[], what: string, timeoutMs = 15_000): Promise<ChildOutcome> {
  const started = Date.now()
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fixture, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const killer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${what} did not exit by itself within ${timeoutMs / 1000} s`))
    }, timeoutMs)
    child.on('exit', (code) => {
      clearTimeout(killer)
      resolve({ code, stdout, stderr, ms: Date.now() - started })
    })
  })
}
