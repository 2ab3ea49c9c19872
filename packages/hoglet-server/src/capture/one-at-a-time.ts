/**
 * Runs tasks one at a time, in the order they were given (a failed task does not stop the
 * next). Capture parses and stores requests through one of these: both are main-thread work
 * cut into slices, and two batches interleaved slice by slice are both answered late, where
 * in turn the first is answered after its own work alone and its client sends its next batch
 * while the second is stored. Reading and inflating a body (the thread pool) stay outside.
 */
export class OneAtATime {
  private tail: Promise<unknown> = Promise.resolve()

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task)
    this.tail = result.catch(() => undefined)
    return result
  }
}
