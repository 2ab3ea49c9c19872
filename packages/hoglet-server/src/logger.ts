/** Where hoglet-server writes what it does. Pass `console` or your own. */
export interface ServerLogger {
  info(message: string): void
  warn(message: string): void
  error(message: string): void
}

/** The default for the programmatic API: quiet. */
export const silentLogger: ServerLogger = { info() {}, warn() {}, error() {} }

/** The CLI's logger: timestamps on stderr-free stdout lines, errors on stderr. */
export const consoleLogger: ServerLogger = {
  info: (m) => console.log(`[hoglet-server] ${m}`),
  warn: (m) => console.warn(`[hoglet-server] ${m}`),
  error: (m) => console.error(`[hoglet-server] ${m}`),
}
