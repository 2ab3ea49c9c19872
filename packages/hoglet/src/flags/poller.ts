/**
 * Keeps the local-evaluation definitions fresh: polls on an unref'd timer, compiles each new
 * load once, backs off on errors and keeps the last known good definitions through every
 * failure (401, 402, 403, 429, 5xx, network), so an outage or a billing hiccup never turns
 * flags off. Readiness waiters learn about definitive failures at once.
 */
import { unrefTimer } from '../timers.js'
import type { FetchFn, FlagsLogger } from './flag-api.js'
import type { FlagDefinitionCacheData, FlagDefinitionCacheProvider } from './cache-provider.js'
import { DEFINITIONS_PATH, LEGACY_DEFINITIONS_PATH, fetchFlagDefinitions, type DefinitionsFetchOutcome } from './definitions.js'

/** Longest pause between polls while backing off (unless the interval itself is longer). */
export const MAX_BACKOFF_MS = 60_000

export interface DefinitionsPollerConfig<C> {
  host: string
  projectToken: string
  secretKey: string
  fetch: FetchFn
  userAgent: string
  /** @default 30000 */
  /** null: no polling after the first load (`featureFlagsPollingInterval: null`). */
  pollIntervalMs: number | null
  /** Timeout of one definitions request. */
  requestTimeoutMs: number
  logger: FlagsLogger
  /** Turn a definitions load into what the evaluator needs; called once per new load. */
  compile: (data: FlagDefinitionCacheData) => C
  cacheProvider?: FlagDefinitionCacheProvider
  /**
   * Reports failures worth an `onError` (auth, quota, compile errors). It logs them too;
   * without it they only go to the logger.
   */
  report?: (error: Error, level: 'warn' | 'error') => void
  /** Called after each new set of definitions is installed, with the flag count. */
  onLoaded?: (flagCount: number) => void
}

/** The installed definitions and their compiled form. */
export interface LoadedDefinitions<C> {
  data: FlagDefinitionCacheData
  compiled: C
  loadedAt: number
  source: 'api' | 'cache'
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
  private shutdownPromise: Promise<void> | undefined
  /** Set when the last attempt failed in a way waiting will not fix (401, 402, 403, 404). */
  private definitiveFailure: string | undefined
  private readonly waiters = new Set<(ready: boolean) => void>()
  /** Requests made to the definitions endpoints, for diagnostics and tests. */
  requestCount = 0

  constructor(private readonly config: DefinitionsPollerConfig<C>) {}

  /** Start polling: the first load begins now, later ones every `pollIntervalMs`. */
  start(): void {
    if (this.stopped || this.firstLoad) return
    this.firstLoad = this.reload()
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
    const interval = this.config.pollIntervalMs
    if (interval === null) return
    const delay = this.failures === 0 ? interval : Math.min(interval * 2 ** this.failures, Math.max(MAX_BACKOFF_MS, interval))
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
      if (!shouldFetch) {
        try {
          const cached = await provider.getFlagDefinitions()
          if (cached) {
            // The same shared object as last time (an in-process provider): nothing to recompile.
            if (cached !== this.current?.data) this.install(cached, 'cache')
            return
          }
          // Nothing shared yet: keep what we have, or fetch ourselves if we have nothing.
          if (this.current) return
        } catch (err) {
          this.config.logger.warn('flag definition cache provider failed in getFlagDefinitions; fetching from the API', err)
        }
      }
    }
    let outcome = await this.fetchOnce()
    if (outcome.kind === 'http_error' && outcome.status === 404 && this.path === DEFINITIONS_PATH) {
      this.config.logger.info(`${DEFINITIONS_PATH} answered 404; using ${LEGACY_DEFINITIONS_PATH}`)
      this.path = LEGACY_DEFINITIONS_PATH
      this.etag = undefined
      outcome = await this.fetchOnce()
    }
    this.handle(outcome)
    if (outcome.kind === 'loaded' && provider && this.current?.data === outcome.data) {
      try {
        await provider.onFlagDefinitionsReceived(outcome.data)
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
      secretKey: this.config.secretKey,
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

  /** Compile and install; returns false (keeping the old definitions) when compiling fails. */
  private install(data: FlagDefinitionCacheData, source: 'api' | 'cache'): boolean {
    let compiled: C
    try {
      compiled = this.config.compile(data)
    } catch (err) {
      this.failures++
      const message = `flag definitions could not be compiled; keeping the previous ones: ${err instanceof Error ? err.message : String(err)}`
      this.report(new Error(message, { cause: err }), 'error')
      return false
    }
    this.current = { data, compiled, loadedAt: Date.now(), source }
    this.failures = 0
    this.definitiveFailure = undefined
    this.config.onLoaded?.(data.flags.length)
    this.notify(true)
    return true
  }
}
