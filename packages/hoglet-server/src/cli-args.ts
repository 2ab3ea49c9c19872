import type { ServerOptions } from './server.js'

export const USAGE = `Usage: hoglet-server [options]

A local PostHog-compatible server: capture, feature flags, SQLite storage, a live web page.

Options:
  --port <n>        port to listen on (default 8010; 0 picks a free one)
  --host <addr>     interface to bind (default 127.0.0.1; anything else prints a warning)
  --db <path>       SQLite database file, or :memory: (default ./hoglet.db)
  --flags <file>    JSON or YAML flag definitions, reloaded when the file changes
  --token <token>   accept only this project token (default: any)
  --personal-api-key <key>
                    accept only this Bearer key on the definitions endpoints (default: any);
                    it also opens the control API
  --control-token <secret>
                    the secret the control API (/_hoglet/*) and the web page require
                    (default: a random one per start, printed in the web page address)
  --allow-host <name>
                    one more Host name the control API and the page answer to, besides
                    localhost, 127.0.0.1, ::1 and --host (repeatable)
  -h, --help        show this help
`

/** Parses the CLI's arguments; throws `TypeError` with a message for the user. */
export function parseCliArgs(argv: string[]): ServerOptions | 'help' {
  const opts: ServerOptions = { port: 8010 }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '-h' || arg === '--help') return 'help'
    const eq = arg.indexOf('=')
    const name = eq > 0 ? arg.slice(0, eq) : arg
    const value = (): string => {
      const v = eq > 0 ? arg.slice(eq + 1) : argv[++i]
      if (v === undefined || v === '') throw new TypeError(`\`${name}\` needs a value`)
      return v
    }
    switch (name) {
      case '--port': {
        const v = value()
        const port = Number(v)
        if (!/^\d+$/.test(v) || port > 65535) throw new TypeError(`\`--port\` must be a number from 0 to 65535, got \`${v}\``)
        opts.port = port
        break
      }
      case '--host':
        opts.host = value()
        break
      case '--db':
      case '--database':
        opts.database = value()
        break
      case '--flags':
        opts.flagsFile = value()
        break
      case '--token':
        opts.projectToken = value()
        break
      case '--personal-api-key':
        opts.personalApiKey = value()
        break
      case '--control-token': {
        const v = value()
        if (v.length < 8) throw new TypeError('`--control-token` needs at least 8 characters')
        opts.controlToken = v
        break
      }
      case '--allow-host':
        opts.allowedHosts = [...(opts.allowedHosts ?? []), value()]
        break
      default:
        throw new TypeError(`unknown option \`${arg}\``)
    }
  }
  return opts
}
