import { createHash } from 'node:crypto'
import { watch, type FSWatcher } from 'node:fs'
import { basename, dirname, resolve } from 'node:path'
import type { FlagDefinitionsResponse } from 'hoglet/engine'
import type { ServerLogger } from '../logger.js'
import { readFlagsFile, normalizeDefinitions } from './flags-file.js'
import { compileDefinitions, type CompiledDefinitions } from './evaluate-flags.js'

/** Where the current definitions came from. */
export type DefinitionsSource = 'empty' | 'file' | 'control'

/**
 * The project's flag definitions: compiled once per change for `/flags`, and serialized
 * once with a weak ETag for the definitions endpoints. Loaded from a flags file (watched:
 * an edit is picked up within a moment, a broken edit keeps the previous definitions) or
 * replaced through the control API.
 */
export class FlagRegistry {
  private defs!: FlagDefinitionsResponse
  private compiledDefs!: CompiledDefinitions
  private body = ''
  private tag = ''
  private watcher: FSWatcher | undefined
  private reloadTimer: NodeJS.Timeout | undefined
  private readonly listeners = new Set<() => void>()
  source: DefinitionsSource = 'empty'
  loadedAt = Date.now()

  constructor(
    private readonly logger: ServerLogger,
    readonly filePath?: string,
  ) {
    if (filePath) {
      this.replace(readFlagsFile(filePath), 'file')
      this.watchFile(filePath)
    } else {
      this.replace({ flags: [], group_type_mapping: {}, cohorts: {} }, 'empty')
    }
  }

  get definitions(): FlagDefinitionsResponse {
    return this.defs
  }
  get compiled(): CompiledDefinitions {
    return this.compiledDefs
  }
  /** The definitions response body, serialized once. */
  get json(): string {
    return this.body
  }
  /** Weak ETag of `json`. */
  get etag(): string {
    return this.tag
  }

  /** Replaces all definitions (validated and normalized like a flags file). */
  set(data: unknown, source: DefinitionsSource = 'control'): void {
    this.replace(normalizeDefinitions(data, 'flag definitions'), source)
  }

  /** Re-reads the flags file, if there is one. */
  reload(): void {
    if (this.filePath) this.replace(readFlagsFile(this.filePath), 'file')
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  close(): void {
    this.watcher?.close()
    if (this.reloadTimer) clearTimeout(this.reloadTimer)
  }

  private replace(defs: FlagDefinitionsResponse, source: DefinitionsSource): void {
    let compiled: CompiledDefinitions
    try {
      compiled = compileDefinitions(defs)
    } catch (err) {
      // Shapes are checked before this; whatever the engine still refuses is bad input too.
      throw new TypeError(`flag definitions could not be compiled: ${(err as Error).message}`)
    }
    this.defs = defs
    this.compiledDefs = compiled
    this.body = JSON.stringify(defs)
    this.tag = `W/"${createHash('sha1').update(this.body).digest('hex').slice(0, 20)}"`
    this.source = source
    this.loadedAt = Date.now()
    for (const l of this.listeners) l()
  }

  /**
   * Watches the file's directory rather than the file: editors that save by writing a new
   * file and renaming it would otherwise end the watch.
   */
  private watchFile(path: string): void {
    const full = resolve(path)
    const name = basename(full)
    try {
      this.watcher = watch(dirname(full), { persistent: false }, (_event, changed) => {
        if (changed !== null && changed.toString() !== name) return
        if (this.reloadTimer) clearTimeout(this.reloadTimer)
        this.reloadTimer = setTimeout(() => this.reloadFromWatch(full), 50)
        this.reloadTimer.unref()
      })
      this.watcher.on('error', (err) => this.logger.warn(`flags file watch stopped: ${err.message}`))
    } catch (err) {
      this.logger.warn(`cannot watch the flags file (${(err as Error).message}); edits need a restart`)
    }
  }

  private reloadFromWatch(path: string): void {
    this.reloadTimer = undefined
    try {
      const before = this.tag
      this.replace(readFlagsFile(path), 'file')
      if (this.tag !== before) this.logger.info(`flags file reloaded: ${this.defs.flags.length} flags`)
    } catch (err) {
      this.logger.error(`flags file not reloaded, keeping the previous definitions: ${(err as Error).message}`)
    }
  }
}
