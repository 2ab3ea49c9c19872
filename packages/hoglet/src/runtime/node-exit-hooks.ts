/**
 * Process exit and signal hooks shared by every client in the process: one `exit` listener
 * and at most one listener per signal, however many clients there are (no
 * MaxListenersExceededWarning), each client reached through a WeakRef so a client that is
 * never shut down can still be collected.
 */

type Hook<T> = WeakRef<{ fn: T }>

const exitHooks = new Set<Hook<() => void>>()
const signalHooks = new Set<Hook<(signal: NodeJS.Signals) => Promise<unknown>>>()
let exitListening = false
const SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT']
let signalsListening = false
let signalled = false

function live<T>(hooks: Set<Hook<T>>): T[] {
  const fns: T[] = []
  for (const ref of hooks) {
    const holder = ref.deref()
    if (holder === undefined) hooks.delete(ref)
    else fns.push(holder.fn)
  }
  return fns
}

function onExit(): void {
  for (const fn of live(exitHooks)) {
    try {
      fn()
    } catch {
      // An exit warning must never change how the process exits.
    }
  }
}

/**
 * Runs every client's signal hook (a bounded shutdown), then gives the signal back to Node's
 * default behaviour (the process dies of it, exit code 128 + n) unless the program has its
 * own listener for it, which then decides. A second signal during the shutdown ends at once.
 */
function onSignal(signal: NodeJS.Signals): void {
  if (signalled) return redeliver(signal)
  signalled = true
  const work = live(signalHooks).map((fn) => fn(signal).catch(() => undefined))
  void Promise.all(work).then(() => {
    if (process.listenerCount(signal) > 1) return // the program's own listener takes it from here
    redeliver(signal)
  })
}

function redeliver(signal: NodeJS.Signals): void {
  for (const s of SIGNALS) process.removeListener(s, onSignal)
  signalsListening = false
  process.kill(process.pid, signal)
}

/** Calls `fn` synchronously in `process.on('exit')`; keep the returned holder alive as long as the hook should run. */
export function onProcessExit(fn: () => void): { fn: () => void; remove(): void } {
  const holder = { fn, remove: () => void exitHooks.delete(ref) }
  const ref: Hook<() => void> = new WeakRef(holder)
  exitHooks.add(ref)
  if (!exitListening) {
    exitListening = true
    process.on('exit', onExit)
  }
  return holder
}

/** Runs `fn` on SIGTERM/SIGINT before Node's default handling; keep the returned holder alive. */
export function onTerminationSignals(fn: (signal: NodeJS.Signals) => Promise<unknown>): { fn: typeof fn; remove(): void } {
  const holder = { fn, remove: () => void signalHooks.delete(ref) }
  const ref: Hook<typeof fn> = new WeakRef(holder)
  signalHooks.add(ref)
  if (!signalsListening) {
    signalsListening = true
    for (const s of SIGNALS) process.on(s, onSignal)
  }
  return holder
}
