/**
 * The last-known-good flag definitions on disk: written (atomically, by the runtime) after
 * each load, read only when a process starts while PostHog cannot be reached, and refused
 * when older than the maximum age. The file has the definitions endpoint's shape plus
 * `saved_at` and `etag`, so it can also serve as a hoglet-server flags file.
 */
import type { TextFile } from '../runtime/types.js'
import type { FlagsLogger } from './flag-api.js'
import type { FlagDefinitionCacheData } from './cache-provider.js'
import { parseDefinitions } from './definitions.js'

export interface BackupCopy {
  data: FlagDefinitionCacheData
  etag: string | undefined
  savedAt: number
}

export class DefinitionsBackup {
  #writing: Promise<void> | undefined
  #next: { data: FlagDefinitionCacheData; etag: string | undefined } | undefined
  #writeFailed = false

  constructor(
    private readonly file: TextFile,
    readonly path: string,
    private readonly maxAgeMs: number,
    private readonly logger: FlagsLogger,
  ) {}

  /** Saves `data` after the write in progress, if any; only the newest waiting copy is written. */
  save(data: FlagDefinitionCacheData, etag: string | undefined): Promise<void> {
    this.#next = { data, etag }
    this.#writing ??= this.#drain()
    return this.#writing
  }

  /** The saved copy when there is one younger than the maximum age; says why when it is not used. */
  async load(now = Date.now()): Promise<BackupCopy | undefined> {
    let text: string | undefined
    try {
      text = await this.file.read()
    } catch (err) {
      this.logger.warn(`flag definitions backup ${this.path} could not be read`, err)
      return undefined
    }
    if (text === undefined) return undefined
    let envelope: { saved_at?: unknown; etag?: unknown }
    try {
      envelope = JSON.parse(text) as typeof envelope
    } catch {
      envelope = {}
    }
    const savedAt = typeof envelope.saved_at === 'string' ? Date.parse(envelope.saved_at) : NaN
    const data = parseDefinitions(text)
    if (typeof data === 'string' || Number.isNaN(savedAt)) {
      this.logger.warn(`flag definitions backup ${this.path} is not a saved copy of flag definitions; ignoring it`)
      return undefined
    }
    const age = now - savedAt
    if (age > this.maxAgeMs) {
      this.logger.warn(`flag definitions backup ${this.path} is ${formatAge(age)} old, over flagDefinitionsBackupMaxAgeMs; not using it`)
      return undefined
    }
    return { data, etag: typeof envelope.etag === 'string' ? envelope.etag : undefined, savedAt }
  }

  async #drain(): Promise<void> {
    try {
      while (this.#next) {
        const { data, etag } = this.#next
        this.#next = undefined
        try {
          await this.file.write(serialize(data, etag))
          this.#writeFailed = false
        } catch (err) {
          // One warning per run of failures, not one per poll.
          if (!this.#writeFailed) this.logger.warn(`flag definitions backup ${this.path} could not be written`, err)
          this.#writeFailed = true
        }
      }
    } finally {
      this.#writing = undefined
    }
  }
}

function serialize(data: FlagDefinitionCacheData, etag: string | undefined): string {
  const body: Record<string, unknown> = { saved_at: new Date().toISOString() }
  if (etag) body.etag = etag
  body.flags = data.flags
  body.group_type_mapping = data.groupTypeMapping
  body.cohorts = data.cohorts
  if (data.minimalFlagCalledEvents !== undefined) body.minimal_flag_called_events = data.minimalFlagCalledEvents
  if (data.timezone !== undefined) body.timezone = data.timezone
  return JSON.stringify(body)
}

export function formatAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000))
  if (s < 120) return `${s} s`
  if (s < 7200) return `${Math.round(s / 60)} min`
  if (s < 172_800) return `${Math.round(s / 3600)} h`
  return `${Math.round(s / 86_400)} days`
}
