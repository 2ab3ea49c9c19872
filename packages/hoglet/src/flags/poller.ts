/**
 * Keeps the local-evaluation definitions fresh: polls on an unref'd timer, compiles each new
 * load once, backs off on errors and keeps the last known good definitions through every
 * failure (401, 402, 403, 429, 5xx, network), so an outage or a billing hiccup never turns
 * flags off. Readiness waiters learn about definitive failures at once.
 */
import { unrefTimer } from '../timers.js'
import type { FetchFn, FlagsLogger } from './flag-api.js'
import type { FlagDefinitionCacheData, FlagDefinitionCacheInput, FlagDefinitionCacheProvider } from './cache-provider.js'
import { formatAge, type DefinitionsBackup } from './definitions-backup.js'
import { DEFINITIONS_PATH, LEGACY_DEFINITIONS_PATH, fetchFlagDefinitions, type DefinitionsFetchOutcome } from './definitions.js'

/** Longest pause between polls while backing off (unless the interval itself is longer). */
export const MAX_BACKOFF_MS = 60_000

export interface DefinitionsPollerConfig<C> {
  host: string
  projectToken: string
  /** Without one, only the cache provider's definitions are read (never fetched). */
  secretKey: string | undefined
  fetch: FetchFn
  userAgent: string
  /** `null`: no polling; after the first successful load, only `reload()` loads again. @default 30000 */
  pollIntervalMs: number | null
  /** Timeout of one definitions request. */
  requestTimeoutMs: number
  logger: FlagsLogger
  /** Turn a definitions load into what the evaluator needs; called once per new load. */
  compile: (data: FlagDefinitionCacheData) => C
  cacheProvider?: FlagDefinitionCacheProvider<FlagDefinitionCacheInput>
  /** Last-known-good copy on disk: saved after each load, read when the first load fails. */
  backup?: DefinitionsBackup
  /**
   * Reports failures worth an `onError` (auth, quota, compile errors). It logs them too;
   * without it they only go to the logger.
   */
  report?: (error: Error, level: 'warn' | 'error') => void
  /** Called after each new set of definitions is installed, with the flag count. */
  onLoaded?: (flagCount: number) => void
  /** Longest pause while backing off (unless the interval itself is longer). @default MAX_BACKOFF_MS */
  maxBackoffMs?: number
}

/** The installed definitions and their compiled form. */
export interface LoadedDefinitions<C> {
  data: FlagDefinitionCacheData
  compiled: C
  /** When these definitions were fetched (for a backup copy: when it was saved). */
  loadedAt: number
  /**
   * When definitions last came from PostHog itself (not the cache provider; for a backup copy:
   * when it was saved); posthog-node's `$feature_flag_definitions_loaded_at`.
   */
  fetchedAt: number | undefined
  source: 'api' | 'cache' | 'backup'
}

export class DefinitionsPoller<C> {
  private current: LoadedDefinitions<C> | undefined
  private etag: string | undefined
  private path = DEFINITIONS_PATH
  private failures = 0
  private timer: ReturnType<typeof setTimeout> | undefined
  private inFlight: Promise<void> | undefined
  private firstLoad: Promise<void> | undefined
  private stopped = false
  /** The provider's last object as returned (before normalising), so an unchanged copy is not recompiled. */
  private lastCached: unknown
  private shutdownPromise: Promise<void> | undefined
  /** Set when the last attempt failed in a way waiting will not fix (401, 402, 403, 404). */
  private definitiveFailure: string | undefined
  private backupTried = false
  private readonly waiters = new Set<(ready: boolean) => void>()
  /** Requests made to the definitions endpoints, for diagnostics and tests. */
  requestCount = 0

  constructor(private readonly config: DefinitionsPollerConfig<C>) {}

  /** Start polling: the first load begins now, later ones every `pollIntervalMs`. */
  start(): void {
    if (this.stopped || this.firstLoad) return
    this.firstLoad = this.reload()
    try {
      this.config.cacheProvider?.watchFlagDefinitions?.(() => void this.reload())
    } catch (err) {
      this.config.logger.warn('flag definition cache provider failed in watchFlagDefinitions; changes arrive with the next poll', err)
    }
  }

  /** The definitions in use, or undefined before the first successful load. */
  get definitions(): LoadedDefinitions<C> | undefined {
    return this.current
  }

  /** True once definitions loaded successfully, even when the project has no flags. */
  isReady(): boolean {
    return this.current !== undefined
  }

  /** Resolves when the first load attempt has settled (successfully or not). */
  settledFirstLoad(): Promise<void> {
    return this.firstLoad ?? Promise.resolve()
  }

  /** Load now (joins a load already in flight), then poll again after the interval. */
  reload(): Promise<void> {
    if (this.stopped) return Promise.resolve()
    if (!this.inFlight) {
      this.clearTimer()
      this.inFlight = this.loadOnce().finally(() => {
        this.inFlight = undefined
        this.schedule()
      })
    }
    return this.inFlight
  }

  /**
   * Resolves true once definitions are loaded, false after `timeoutMs` or as soon as a load
   * fails in a way that waiting cannot fix (bad key, no permission, quota).
   */
  waitForReady(timeoutMs: number): Promise<boolean> {
    if (this.current) return Promise.resolve(true)
    if (this.definitiveFailure || this.stopped) return Promise.resolve(false)
    return new Promise<boolean>((resolve) => {
      // Not unref'd on purpose: the caller is awaiting this and asked for up to timeoutMs.
      const timer = setTimeout(() => finish(false), timeoutMs)
      const finish = (ready: boolean): void => {
        clearTimeout(timer)
        this.waiters.delete(finish)
        resolve(ready)
      }
      this.waiters.add(finish)
    })
  }

  /** Stop polling and shut the cache provider down (once). */
  stop(): Promise<void> {
    if (!this.shutdownPromise) {
      this.stopped = true
      this.clearTimer()
      this.notify(false)
      this.shutdownPromise = (async () => {
        try {
          await this.config.cacheProvider?.shutdown?.()
        } catch (err) {
          this.config.logger.error('flag definition cache provider failed to shut down', err)
        }
      })()
    }
    return this.shutdownPromise
  }

  private report(error: Error, level: 'warn' | 'error'): void {
    if (this.config.report) this.config.report(error, level)
    else this.config.logger[level](error.message)
  }

  private schedule(): void {
    if (this.stopped) return
    this.clearTimer()
    const maxBackoff = this.config.maxBackoffMs ?? MAX_BACKOFF_MS
    // Without polling, retry (1 s doubling, capped) only until something is loaded (a backup copy
    // on disk does not count: PostHog is retried until it answers).
    if (this.config.pollIntervalMs === null) {
      if ((this.current && this.current.source !== 'backup') || this.failures === 0) return
      this.timer = unrefTimer(setTimeout(() => void this.reload(), Math.min(1000 * 2 ** (this.failures - 1), maxBackoff)))
      return
    }
    const interval = this.config.pollIntervalMs
    const delay = this.failures === 0 ? interval : Math.min(interval * 2 ** this.failures, Math.max(maxBackoff, interval))
    this.timer = unrefTimer(setTimeout(() => void this.reload(), delay))
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
  }

  private notify(ready: boolean): void {
    for (const waiter of [...this.waiters]) waiter(ready)
  }

  private async loadOnce(): Promise<void> {
    const provider = this.config.cacheProvider
    if (provider) {
      let shouldFetch = true
      try {
        shouldFetch = await provider.shouldFetchFlagDefinitions()
      } catch (err) {
        this.config.logger.warn('flag definition cache provider failed in shouldFetchFlagDefinitions; fetching from the API', err)
      }
      if (!shouldFetch || !this.config.secretKey) {
        try {
          const cached = await provider.getFlagDefinitions()
          if (cached) {
            // The same shared object as last time (an in-process provider): nothing to recompile.
            if (cached !== this.lastCached && cached !== this.current?.data) {
              this.lastCached = cached
              const data = normalizeCacheData(cached)
              if (this.install(data, 'cache')) {
                this.etag = provider.etagOf?.(cached)
                void this.config.backup?.save(data, this.etag)
              }
            }
            return
          }
          // Nothing shared yet: keep what we have, or fetch ourselves if we have nothing.
          if (this.current || !this.config.secretKey) return
        } catch (err) {
          this.config.logger.warn('flag definition cache provider failed in getFlagDefinitions; fetching from the API', err)
        }
      }
    }
    if (!this.config.secretKey) return
    let outcome = await this.fetchOnce()
    if (outcome.kind === 'http_error' && outcome.status === 404 && this.path === DEFINITIONS_PATH) {
      this.config.logger.info(`${DEFINITIONS_PATH} answered 404; using ${LEGACY_DEFINITIONS_PATH}`)
      this.path = LEGACY_DEFINITIONS_PATH
      this.etag = undefined
      outcome = await this.fetchOnce()
    }
    this.handle(outcome)
    if (outcome.kind !== 'loaded' || this.current?.data !== outcome.data) {
      if (!this.current) await this.useBackup(outcome)
      return
    }
    void this.config.backup?.save(outcome.data, outcome.etag)
    if (provider) {
      try {
        await provider.onFlagDefinitionsReceived(outcome.data, { etag: outcome.etag })
      } catch (err) {
        this.config.logger.warn('flag definition cache provider failed to store definitions; they stay in memory', err)
      }
    }
  }

  private fetchOnce(): Promise<DefinitionsFetchOutcome> {
    this.requestCount++
    return fetchFlagDefinitions({
      host: this.config.host,
      path: this.path,
      projectToken: this.config.projectToken,
      secretKey: this.config.secretKey!,
      etag: this.etag,
      fetch: this.config.fetch,
      userAgent: this.config.userAgent,
      timeoutMs: this.config.requestTimeoutMs,
    })
  }

  private handle(outcome: DefinitionsFetchOutcome): void {
    const { logger } = this.config
    switch (outcome.kind) {
      case 'loaded':
        if (this.install(outcome.data, 'api')) this.etag = outcome.etag
        return
      case 'not_modified':
        this.etag = outcome.etag
        this.failures = 0
        this.definitiveFailure = undefined
        return
      case 'http_error': {
        this.failures++
        const kept = this.current ? `; keeping the ${this.current.data.flags.length} flag definitions loaded before` : ''
        let message: string
        let definitive = true
        if (outcome.status === 401 || outcome.status === 403) {
          message = `flag definitions request was refused (${outcome.status}): check the project token and the personal API / secret key${kept}`
        } else if (outcome.status === 402) {
          message = `feature flags are quota limited for this project (402)${kept}`
        } else if (outcome.status === 404) {
          message = `no flag definitions endpoint on this host (404)${kept}`
        } else {
          definitive = false
          message = `flag definitions request failed with ${outcome.status}${kept}; retrying with backoff`
        }
        if (definitive) {
          this.definitiveFailure = message
          this.report(new Error(message), 'error')
          if (!this.current) this.notify(false)
        } else {
          logger.warn(message)
        }
        return
      }
      default:
        this.failures++
        logger.warn(`flag definitions request failed (${outcome.kind}: ${outcome.message}); retrying with backoff`)
    }
  }

  /** PostHog could not be reached before any load: start from the saved copy, once, if it is recent enough. */
  private async useBackup(outcome: DefinitionsFetchOutcome): Promise<void> {
    const backup = this.config.backup
    if (!backup || this.backupTried) return
    this.backupTried = true
    const copy = await backup.load()
    if (!copy || this.current) return
    const failures = this.failures
    if (!this.install(copy.data, 'backup', copy.savedAt)) return
    // Still failing: keep backing off, and poll with the copy's ETag so an unchanged answer is a 304.
    this.failures = failures
    this.etag = copy.etag
    const why = outcome.kind === 'http_error' ? `HTTP ${outcome.status}` : outcome.kind === 'not_modified' ? '304 without definitions' : outcome.kind
    this.config.logger.warn(
      `flag definitions could not be loaded (${why}); evaluating with the last-known-good copy from ${backup.path}, saved ${formatAge(Date.now() - copy.savedAt)} ago (${copy.data.flags.length} flags) until PostHog answers`,
    )
  }

  /** Compile and install; returns false (keeping the old definitions) when compiling fails. */
  private install(data: FlagDefinitionCacheData, source: LoadedDefinitions<C>['source'], loadedAt = Date.now()): boolean {
    let compiled: C
    try {
      compiled = this.config.compile(data)
    } catch (err) {
      this.failures++
      const message = `flag definitions could not be compiled; keeping the previous ones: ${err instanceof Error ? err.message : String(err)}`
      this.report(new Error(message, { cause: err }), 'error')
      return false
    }
    this.current = { data, compiled, loadedAt, fetchedAt: source === 'cache' ? this.current?.fetchedAt : loadedAt, source }
    this.failures = 0
    this.definitiveFailure = undefined
    this.config.onLoaded?.(data.flags.length)
    this.notify(true)
    return true
  }
}

/**
 * Cached data as hoglet reads it: either spelling of the group type mapping and the slim-events gate.
 * Here rather than beside the cache types: cache-provider.ts is reachable from the entry points
 * (`InMemoryFlagDefinitionCache`), and a bundler that splits puts whatever of it the flag service
 * uses into the code that loads at start.
 */
function normalizeCacheData(data: FlagDefinitionCacheInput): FlagDefinitionCacheData {
  const groupTypeMapping = data.groupTypeMapping ?? data.group_type_mapping ?? {}
  const minimal = data.minimalFlagCalledEvents ?? data.minimal_flag_called_events
  if (data.groupTypeMapping === groupTypeMapping && data.minimalFlagCalledEvents === minimal && data.cohorts) return data as FlagDefinitionCacheData
  return { ...data, groupTypeMapping, cohorts: data.cohorts ?? {}, minimalFlagCalledEvents: minimal }
}
