import { readFileSync, renameSync, writeFileSync } from 'node:fs'

/** Where an import stands, written after every batch PostHog acknowledged. */
export interface Checkpoint {
  version: 1
  /** The input's identity: a different file (or a changed one) must not resume from here. */
  input: { path: string; size: number; source: string }
  /** The options that decide which events and uuids each line gives. */
  mapping: string
  /** Byte offset and number of the first line not yet acknowledged. */
  offset: number
  line: number
  /** CSV: the header, read once at the start. */
  header?: string[]
  sent: number
  rejected: number
  rejectedByReason: Record<string, number>
  /** Length of the rejects report at this point; a resume cuts it back to this. */
  rejectsBytes: number
  complete: boolean
}

export function readCheckpoint(path: string): Checkpoint | undefined {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  const data = JSON.parse(text) as Checkpoint
  if (data?.version !== 1 || typeof data.offset !== 'number') throw new Error(`${path} is not a hoglet import checkpoint`)
  return data
}

/** Write-then-rename, so a crash leaves the old checkpoint or the new one, never half of one. */
export function writeCheckpoint(path: string, checkpoint: Checkpoint): void {
  const tmp = `${path}.tmp`
  writeFileSync(tmp, JSON.stringify(checkpoint))
  renameSync(tmp, path)
}
