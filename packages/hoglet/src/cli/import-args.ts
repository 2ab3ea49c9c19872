import type { FieldMapping } from './event-mapping.js'

export const IMPORT_USAGE = `Usage: hoglet import <file> --api-key <phc_…> [options]

Streams a JSONL or CSV file of past events into PostHog (historical_migration: true),
in constant memory, resumable after a crash or Ctrl-C.

  --api-key <key>            project API key (or POSTHOG_API_KEY)
  --host <url>               PostHog host (or POSTHOG_HOST; default https://us.i.posthog.com)
  --format jsonl|csv         input format (default: from the file extension, else jsonl)
  --distinct-id-field <f>    field with the distinct id (default distinct_id)
  --event-field <f>          field with the event name (default event)
  --timestamp-field <f>      field with the timestamp: ISO 8601 or epoch s/ms (default timestamp)
  --uuid-field <f>           field with the event uuid (default uuid); lines without one get a
                             uuid derived from the source name, line number and line text
  --properties-field <f>     JSONL: object of properties; CSV: JSON column merged with the
                             other columns, which are properties too (default properties)
  --source <name>            name mixed into derived uuids (default: the file's name)
  --batch-size <n>           events per request (default 500)
  --checkpoint <path>        checkpoint file (default <file>.checkpoint.json)
  --rejects <path>           report of rejected lines, JSONL (default <file>.rejects.jsonl)
  --restart                  ignore an existing checkpoint and start from the first line
  --dry-run                  read and validate everything, send nothing
  --no-gzip                  send uncompressed bodies
  --max-retries <n>          retries per batch before giving up (default 10)
  --progress-interval <s>    seconds between progress lines when not on a terminal (default 10)
  --help                     this text

Exit codes: 0 imported, 3 imported but some lines were rejected, 1 failed (resumable),
2 bad usage, 130 interrupted (resumable).`

export interface ImportOptions {
  file: string
  apiKey: string
  host: string
  format: 'jsonl' | 'csv'
  fields: FieldMapping
  source: string | undefined
  batchSize: number
  checkpoint: string | undefined
  rejects: string | undefined
  restart: boolean
  dryRun: boolean
  gzip: boolean
  maxRetries: number
  progressIntervalMs: number
}

export class UsageError extends Error {}

const VALUE_FLAGS = new Set([
  '--api-key', '--host', '--format', '--distinct-id-field', '--event-field', '--timestamp-field', '--uuid-field',
  '--properties-field', '--source', '--batch-size', '--checkpoint', '--rejects', '--max-retries', '--progress-interval',
])
const SWITCHES = new Set(['--restart', '--dry-run', '--no-gzip', '--help'])

/** `--name=value` as the option and its inline value; any other argument as it is. */
export function splitInlineValue(raw: string): { arg: string; inline: string | undefined } {
  const eq = raw.indexOf('=')
  return raw.startsWith('--') && eq > 0 ? { arg: raw.slice(0, eq), inline: raw.slice(eq + 1) } : { arg: raw, inline: undefined }
}

export function parseImportArgs(argv: string[], env: Record<string, string | undefined>): ImportOptions | 'help' {
  const values = new Map<string, string>()
  const switches = new Set<string>()
  const positional: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const { arg, inline } = splitInlineValue(argv[i]!)
    if (VALUE_FLAGS.has(arg)) {
      const value = inline ?? argv[++i]
      if (value === undefined) throw new UsageError(`\`${arg}\` needs a value`)
      values.set(arg, value)
    } else if (SWITCHES.has(arg)) switches.add(arg)
    else if (arg.startsWith('-')) throw new UsageError(`unknown option \`${arg}\``)
    else positional.push(arg)
  }
  if (switches.has('--help')) return 'help'
  if (positional.length !== 1) throw new UsageError(positional.length === 0 ? 'give the file to import' : `one file at a time, got ${positional.length}`)
  const file = positional[0]!
  const dryRun = switches.has('--dry-run')
  const apiKey = values.get('--api-key') ?? env.POSTHOG_API_KEY ?? ''
  if (!dryRun && apiKey.trim() === '') throw new UsageError('`--api-key` is required (or set POSTHOG_API_KEY)')
  const host = values.get('--host') ?? env.POSTHOG_HOST ?? 'https://us.i.posthog.com'
  if (!/^https?:\/\/[^/]/.test(host)) throw new UsageError(`\`--host\` must be an http(s) URL, got \`${host}\``)
  const format = values.get('--format') ?? (/\.csv$/i.test(file) ? 'csv' : 'jsonl')
  if (format !== 'jsonl' && format !== 'csv') throw new UsageError(`\`--format\` must be jsonl or csv, got \`${format}\``)
  return {
    file,
    apiKey,
    host,
    format,
    fields: {
      distinctId: values.get('--distinct-id-field') ?? 'distinct_id',
      event: values.get('--event-field') ?? 'event',
      timestamp: values.get('--timestamp-field') ?? 'timestamp',
      uuid: values.get('--uuid-field') ?? 'uuid',
      properties: values.get('--properties-field') ?? 'properties',
    },
    source: values.get('--source'),
    batchSize: integer(values, '--batch-size', 500, 1, 10_000),
    checkpoint: values.get('--checkpoint'),
    rejects: values.get('--rejects'),
    restart: switches.has('--restart'),
    dryRun,
    gzip: !switches.has('--no-gzip'),
    maxRetries: integer(values, '--max-retries', 10, 0, 1000),
    progressIntervalMs: integer(values, '--progress-interval', 10, 1, 86_400) * 1000,
  }
}

function integer(values: Map<string, string>, flag: string, fallback: number, min: number, max: number): number {
  const raw = values.get(flag)
  if (raw === undefined) return fallback
  const n = Number(raw)
  if (!/^\d+$/.test(raw) || n < min || n > max) throw new UsageError(`\`${flag}\` must be a whole number from ${min} to ${max}, got \`${raw}\``)
  return n
}
