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
  const toConsole =
    (level: keyof Logger) =>
    (message: string, ...args: unknown[]): void =>
      console[level](PREFIX, message, ...args)
  return { debug: debug ? toConsole('debug') : noop, info: debug ? toConsole('info') : noop, warn: toConsole('warn'), error: toConsole('error') }
}

/** A logger that says nothing, for tests and for users who rely on `onError` and `on()`. */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop }

/** A guarded logger whose `debug`/`info` output can be switched on and off at run time (`client.debug()`). */
export interface SwitchableLogger extends Logger {
  /** True while `debug` and `info` are let through. */
  readonly debugEnabled: boolean
  setDebug(enabled: boolean): void
}

/**
 * Wraps an injected logger so that a throwing logger can never break the SDK, and drops
 * `debug`/`info` unless debug output is on.
 */
export function guardLogger(logger: Logger, debug: boolean): SwitchableLogger {
  let enabled = debug
  // `debug` and `info` are gated: let through only while debug output is on.
  const call =
    (level: keyof Logger, gated?: boolean) =>
    (message: string, ...args: unknown[]): void => {
      if (gated && !enabled) return
      try {
        logger[level](message, ...args)
      } catch {
        // A broken logger must not turn into an exception in the caller's request path.
      }
    }
  return {
    debug: call('debug', true),
    info: call('info', true),
    warn: call('warn'),
    error: call('error'),
    get debugEnabled() {
      return enabled
    },
    setDebug(on: boolean) {
      enabled = on
    },
  }
}
