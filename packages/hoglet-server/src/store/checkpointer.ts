import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'

/** A checkpoint is asked for at most this often while events are being stored. */
const INTERVAL_MS = 200

// The worker's own connection to the same file: a PASSIVE checkpoint copies committed WAL
// frames into the database file (and syncs both) without blocking the writer.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.module)
const db = new Database(workerData.path, { fileMustExist: true })
parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close()
    parentPort.close()
    return
  }
  try {
    db.pragma('wal_checkpoint(PASSIVE)')
  } catch {}
  parentPort.postMessage('done')
})
`

/**
 * Copies the WAL into the database file on a worker thread, so the event loop is not held
 * by it: a checkpoint of the default 40 MiB of WAL held capture's thread for about 100 ms
 * (30 ms of CPU, the rest writing and syncing). The main connection keeps its own
 * auto-checkpoint: with the worker's copying done it only has the tail left, and its
 * checkpoint between two transactions is what lets the WAL start over from the beginning
 * (one taken while commits go on never catches up with the last frame).
 */
export class Checkpointer {
  private readonly worker: Worker
  private running = false
  private lastStart = 0
  private closed = false

  constructor(path: string) {
    const module = createRequire(import.meta.url).resolve('better-sqlite3')
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, module } })
    this.worker.unref() // never what keeps the process alive
    this.worker.on('message', () => {
      this.running = false
    })
    // A worker that fails leaves the checkpoints to the main connection, as without one.
    this.worker.on('error', () => {
      this.closed = true
    })
    this.worker.on('exit', () => {
      this.closed = true
    })
  }

  /** Called after a commit: asks for a checkpoint unless one runs or one started recently. */
  committed(): void {
    if (this.running || this.closed) return
    const now = Date.now()
    if (now - this.lastStart < INTERVAL_MS) return
    this.lastStart = now
    this.running = true
    this.worker.postMessage('checkpoint')
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.worker.postMessage('close')
  }
}
