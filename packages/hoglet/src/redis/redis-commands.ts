/**
 * The few Redis commands the flag-definition cache sends, over whichever client the
 * application already has: ioredis (`call`), node-redis v4+ (`sendCommand`), or a plain
 * function taking the command as a list of strings. Every command has a timeout, so a Redis
 * that stopped answering costs at most that long before the SDK polls PostHog itself.
 */
import { unrefTimer } from '../timers.js'

/** An ioredis client (or Cluster): `call(command, ...args)`. */
export interface IoRedisLike {
  call(command: string, ...args: Array<string | number>): Promise<unknown>
}

/** A node-redis v4+ client: `sendCommand([command, ...args])`. */
export interface NodeRedisLike {
  sendCommand(args: string[]): Promise<unknown>
}

/** Any function that sends one command and resolves with Redis' reply. */
export type RedisCommandFn = (args: string[]) => Promise<unknown>

export type RedisClientLike = IoRedisLike | NodeRedisLike | RedisCommandFn

export type SendCommand = (args: string[]) => Promise<unknown>

/** Turns a supported client into one `send(args)`; throws `TypeError` for anything else. */
export function commandSender(client: RedisClientLike, timeoutMs: number): SendCommand {
  let send: RedisCommandFn
  if (typeof client === 'function') send = client
  else if (client && typeof (client as IoRedisLike).call === 'function') {
    const io = client as IoRedisLike
    send = (args) => io.call(args[0]!, ...args.slice(1))
  } else if (client && typeof (client as NodeRedisLike).sendCommand === 'function') {
    const nodeRedis = client as NodeRedisLike
    send = (args) => nodeRedis.sendCommand(args)
  } else {
    throw new TypeError('The `redis` option must be an ioredis client, a node-redis client, or a function sending one command.')
  }
  return (args) => withTimeout(send(args), timeoutMs, args[0]!)
}

function withTimeout<T>(promise: Promise<T>, ms: number, command: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = unrefTimer(setTimeout(() => reject(new Error(`Redis ${command} did not answer within ${ms} ms`)), ms))
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/**
 * Lock scripts: the lock holds the owner's id; only the owner extends or releases it, so a
 * process that lost the lock (it expired while the process was paused) cannot take it back
 * from the new owner.
 */
export const ACQUIRE_OR_RENEW = `
local owner = redis.call('GET', KEYS[1])
if owner == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if not owner then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0`

export const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0`

export const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`

/**
 * Stores a copy and bumps the version in one step; returns the new version. The copy is kept
 * as `<version>\n<json>`, so a reader knows which version it read.
 */
export const PUBLISH = `
local version = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], tostring(version) .. '\\n' .. ARGV[1])
return version`
