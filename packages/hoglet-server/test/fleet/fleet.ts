/** Forks fleet members (`fleet-member.mjs`) and keeps what each one reports. */
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const MEMBER = fileURLToPath(new URL('./fleet-member.mjs', import.meta.url))

export interface MemberReport {
  at: number
  value: unknown
  status?: { role: string; redisAvailable: boolean; version?: number; copiesRead: number; copiesWritten: number }
  errors: number
  /** Definitions requests this process made. */
  definitionsFetches: number
}

export interface Member {
  index: number
  child: ChildProcess
  reports: MemberReport[]
  readonly last: MemberReport | undefined
  alive: boolean
}

export interface FleetEnv {
  HOST: string
  REDIS_PORT: number
  KEY_PREFIX: string
  POLL_MS: number
  LOCK_TTL_MS: number
  SYNC_MS: number
  EVAL_MS?: number
  NO_CACHE?: '1'
}

export function startFleet(size: number, env: FleetEnv): Member[] {
  const members: Member[] = []
  for (let index = 0; index < size; index++) {
    const child = fork(MEMBER, [], {
      env: { ...process.env, ...Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)])) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    const member: Member = {
      index,
      child,
      reports: [],
      get last() {
        return this.reports[this.reports.length - 1]
      },
      alive: true,
    }
    child.on('message', (msg: MemberReport & { type: string }) => {
      if (msg.type === 'eval') member.reports.push(msg)
    })
    child.on('exit', () => (member.alive = false))
    members.push(member)
  }
  return members
}

/** Graceful stop of the members still alive, then SIGKILL for any that hang. */
export async function stopFleet(members: Member[]): Promise<void> {
  await Promise.all(
    members.map(async (m) => {
      if (!m.alive) return
      const exited = new Promise((resolve) => m.child.once('exit', resolve))
      m.child.send({ type: 'stop' })
      const timer = setTimeout(() => m.alive && process.kill(m.child.pid!, 'SIGKILL'), 3000)
      await exited
      clearTimeout(timer)
    }),
  )
}

/** Kills one member at once (no shutdown, no lock release): a crashed process. */
export async function killMember(member: Member): Promise<void> {
  const exited = new Promise((resolve) => member.child.once('exit', resolve))
  process.kill(member.child.pid!, 'SIGKILL')
  await exited
}

export async function waitUntil(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`)
    await sleep(50)
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
