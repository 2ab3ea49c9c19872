/**
 * A module imported on first use, once per process: `load()` starts (or joins) the import,
 * `loaded()` answers synchronously once it has arrived. Code that only some programs need
 * lives behind one of these, so a program that never uses it does not load it (or, bundled
 * with code splitting, download it).
 */
export interface LazyModule<T> {
  loaded(): T | undefined
  load(): Promise<T>
}

export function lazyModule<T>(importer: () => Promise<T>): LazyModule<T> {
  let loading: Promise<T> | undefined
  let loaded: T | undefined
  return {
    loaded: () => loaded,
    load: () => (loading ??= importer().then((module) => (loaded = module))),
  }
}
