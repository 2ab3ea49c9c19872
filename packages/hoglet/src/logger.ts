/**
 * The SDK's only way to say something. Inject your own (pino, winston, console) through the
 * `logger` option; hoglet never writes to the console on its own except through
 * {@link createDefaultLogger}.
 */
export interface Logger {
  debug(message: string, ...args: unknown[]): void
  info(message: string, ...args: unknown[]): void
  warn(message: string, ...args: unknown[]): void
  error(message: string, ...args: unknown[]): void
}

const PREFIX = '[hoglet]'
const noop = (): void => {}

/**
 * The logger used when none is injected: `warn` and `error` go to the console, `debug` and
 * `info` only when `debug` is on.
 */
export function createDefaultLogger(debug: boolean): Logger {
  return {
    debug: debug ? (message, ...args) => console.debug(PREFIX, message, ...args) : noop,
    info: debug ? (message, ...args) => console.info(PREFIX, message, ...args) : noop,
    warn: (message, ...args) => console.warn(PREFIX, message, ...args),
    error: (message, ...args) => console.error(PREFIX, message, ...args),
  }
}

/** A logger that says nothing, for tests and for users who rely on `onError` and `on()`. */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop }

/**
 * Wraps an injected logger so that a throwing logger can never break the SDK, and drops
 * `debug`/`info` unless `debug` is on.
 */
export function guardLogger(logger: Logger, debug: boolean): Logger {
  const call =
    (level: keyof Logger) =>
    (message: string, ...args: unknown[]): void => {
      try {
        logger[level](message, ...args)
      } catch {
        // A broken logger must not turn into an exception in the caller's request path.
      }
    }
  return {
    debug: debug ? call('debug') : noop,
    info: debug ? call('info') : noop,
    warn: call('warn'),
    error: call('error'),
  }
}
