// A loopback PostHog stand-in for the benchmarks, run in its own process so that parsing
// and counting the delivered events never steals time from the process being measured.
//
// The parent talks to it over the fork IPC channel:
//   sink → parent  { type: 'ready', port }
//   parent → sink  { type: 'stats', id }        → { type: 'stats', id, stats }
//   parent → sink  { type: 'reset', id }        → { type: 'reset', id }
//   parent → sink  { type: 'waitFor', id, events, timeoutMs } → { type: 'waitFor', id, ok, stats }
import { fork } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { fileURLToPath } from 'node:url'
import { createHash } from 'node:crypto'
import { gunzipSync } from 'node:zlib'

const selfPath = fileURLToPath(import.meta.url)

/**
 * Starts the sink in a child process and resolves once it listens.
 * @param {{ definitionsPath?: string }} [options] flag definitions to serve, if any
 */
export function startSink(options = {}) {
  const args = options.definitionsPath ? [options.definitionsPath] : []
  const child = fork(selfPath, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const pending = new Map()
  let nextId = 1
  child.on('message', (msg) => {
    const resolve = pending.get(msg.id)
    if (resolve) {
      pending.delete(msg.id)
      resolve(msg)
    }
  })
  const ask = (message) =>
    new Promise((resolve) => {
      const id = nextId++
      pending.set(id, resolve)
      child.send({ ...message, id })
    })

  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`sink exited early with code ${code}`)))
    child.once('message', (msg) => {
      if (msg.type !== 'ready') return reject(new Error(`unexpected first message from sink: ${msg.type}`))
      child.removeAllListeners('exit')
      resolve({
        url: `http://127.0.0.1:${msg.port}`,
        stats: async () => (await ask({ type: 'stats' })).stats,
        reset: async () => {
          await ask({ type: 'reset' })
        },
        /** Resolves with the stats once `events` events have arrived, or rejects after the timeout. */
        waitForEvents: async (events, timeoutMs = 60_000) => {
          const answer = await ask({ type: 'waitFor', events, timeoutMs })
          if (!answer.ok) {
            throw new Error(`sink saw ${answer.stats.events} of ${events} events after ${timeoutMs} ms`)
          }
          return answer.stats
        },
        close: () =>
          new Promise((done) => {
            child.once('exit', () => done())
            child.kill('SIGTERM')
          }),
      })
    })
  })
}

function runSink(definitionsPath) {
  const definitionsBody = definitionsPath ? readFileSync(definitionsPath) : Buffer.from('{"flags":[]}')
  const etag = `W/"${createHash('sha1').update(definitionsBody).digest('hex').slice(0, 16)}"`
  const stats = freshStats()
  let waiters = []

  function freshStats() {
    return {
      events: 0,
      batchRequests: 0,
      batchBytes: 0,
      batchJsonBytes: 0,
      definitionsRequests: 0,
      remoteFlagsRequests: 0,
      otherRequests: 0,
      badRequests: 0,
    }
  }

  function settleWaiters() {
    waiters = waiters.filter((w) => {
      if (stats.events < w.events) return true
      clearTimeout(w.timer)
      process.send({ type: 'waitFor', id: w.id, ok: true, stats })
      return false
    })
  }

  function answer(res, status, body, headers = {}) {
    res.writeHead(status, { 'content-type': 'application/json', ...headers })
    res.end(body)
  }

  const server = createServer((req, res) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      const path = req.url.split('?')[0]
      if (path === '/batch/' || path === '/batch' || path === '/i/v0/e/' || path === '/e/') {
        let raw = Buffer.concat(chunks)
        stats.batchRequests++
        stats.batchBytes += raw.length
        try {
          if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw)
          stats.batchJsonBytes += raw.length
          const body = JSON.parse(raw.toString('utf8'))
          stats.events += Array.isArray(body.batch) ? body.batch.length : 1
        } catch {
          stats.badRequests++
          return answer(res, 400, '{"type":"validation_error"}')
        }
        answer(res, 200, '{"status":1}')
        return settleWaiters()
      }
      if (path === '/flags/definitions' || path === '/api/feature_flag/local_evaluation') {
        stats.definitionsRequests++
        if (req.headers['if-none-match'] === etag) return answer(res, 304, '', { etag })
        return answer(res, 200, definitionsBody, { etag })
      }
      if (path === '/flags' || path === '/flags/' || path === '/decide' || path === '/decide/') {
        // Local evaluation should never need this; it is counted so the benchmark can say so.
        stats.remoteFlagsRequests++
        return answer(res, 200, '{"flags":{},"errorsWhileComputingFlags":false,"requestId":"bench"}')
      }
      stats.otherRequests++
      answer(res, 404, '{"detail":"not found"}')
    })
  })
  server.keepAliveTimeout = 60_000

  process.on('message', (msg) => {
    if (msg.type === 'stats') process.send({ type: 'stats', id: msg.id, stats })
    else if (msg.type === 'reset') {
      Object.assign(stats, freshStats())
      process.send({ type: 'reset', id: msg.id })
    } else if (msg.type === 'waitFor') {
      const waiter = { id: msg.id, events: msg.events }
      waiter.timer = setTimeout(() => {
        waiters = waiters.filter((w) => w !== waiter)
        process.send({ type: 'waitFor', id: msg.id, ok: false, stats })
      }, msg.timeoutMs)
      waiters.push(waiter)
      settleWaiters()
    }
  })
  process.on('disconnect', () => process.exit(0))
  process.on('SIGTERM', () => process.exit(0))

  server.listen(0, '127.0.0.1', () => process.send({ type: 'ready', port: server.address().port }))
}

if (process.argv[1] === selfPath && process.send) runSink(process.argv[2])
