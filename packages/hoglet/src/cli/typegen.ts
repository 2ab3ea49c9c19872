/**
 * `hoglet typegen`: reads PostHog's flag definitions (from a host with keys, or a definitions
 * JSON file) and writes the flag map for `new PostHog<Flags>()`.
 */
import { readFile, rename, rm, writeFile } from 'node:fs/promises'
import { DEFINITIONS_PATH, LEGACY_DEFINITIONS_PATH, definitionsUrl } from '../flags/definitions.js'
import { UsageError, splitInlineValue } from './import-args.js'
import { generateFlagTypes } from './flag-types.js'

export const TYPEGEN_USAGE = `Usage: hoglet typegen (--host <url> --api-key <phc_…> --personal-api-key <phx_…> | --file <definitions.json>) [options]

Writes a TypeScript flag map (keys, variants, payload types) for new PostHog<Flags>().

  --host <url>               PostHog or hoglet-server host (or POSTHOG_HOST)
  --api-key <key>            project API key (or POSTHOG_API_KEY)
  --personal-api-key <key>   personal API key with feature flag read access
                             (or POSTHOG_PERSONAL_API_KEY; hoglet-server takes any unless
                             started with one)
  --file <path>              a flag definitions JSON file (the local-evaluation response,
                             e.g. saved with curl) instead of a host
  --out <path>               file to write (default: standard output)
  --name <Name>              name of the exported interface (default FeatureFlags)
  --timeout <s>              seconds to wait for the host (default 30)
  --help                     this text

Exit codes: 0 written, 1 the definitions could not be read, 2 bad usage.`

export type TypegenSource =
  | { kind: 'file'; path: string }
  | { kind: 'host'; host: string; apiKey: string; personalApiKey: string; timeoutMs: number }

export interface TypegenOptions {
  source: TypegenSource
  out: string | undefined
  typeName: string
}

const VALUE_FLAGS = new Set(['--host', '--api-key', '--personal-api-key', '--file', '--out', '--name', '--timeout'])

export function parseTypegenArgs(argv: string[], env: Record<string, string | undefined>): TypegenOptions | 'help' {
  const values = new Map<string, string>()
  for (let i = 0; i < argv.length; i++) {
    const { arg, inline } = splitInlineValue(argv[i]!)
    if (arg === '--help' || arg === '-h') return 'help'
    if (!VALUE_FLAGS.has(arg)) throw new UsageError(arg.startsWith('-') ? `unknown option \`${arg}\`` : `unexpected argument \`${arg}\``)
    const value = inline ?? argv[++i]
    if (value === undefined || value === '') throw new UsageError(`\`${arg}\` needs a value`)
    values.set(arg, value)
  }
  const typeName = values.get('--name') ?? 'FeatureFlags'
  if (!/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(typeName)) throw new UsageError(`\`--name\` must be a TypeScript identifier, got \`${typeName}\``)
  const out = values.get('--out')
  const file = values.get('--file')
  const hostGiven = values.get('--host')
  if (file !== undefined) {
    if (hostGiven !== undefined) throw new UsageError('give either `--file` or `--host`, not both')
    return { source: { kind: 'file', path: file }, out, typeName }
  }
  const host = hostGiven ?? env.POSTHOG_HOST
  if (host === undefined || host === '') throw new UsageError('give `--host` (with `--api-key` and `--personal-api-key`) or `--file`')
  let url: URL
  try {
    url = new URL(host)
  } catch {
    throw new UsageError(`\`--host\` is not a URL: \`${host}\``)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError('`--host` must be an http or https URL')
  const apiKey = values.get('--api-key') ?? env.POSTHOG_API_KEY
  if (apiKey === undefined || apiKey === '') throw new UsageError('give the project API key (`--api-key` or POSTHOG_API_KEY)')
  const personalApiKey = values.get('--personal-api-key') ?? env.POSTHOG_PERSONAL_API_KEY
  if (personalApiKey === undefined || personalApiKey === '') throw new UsageError('give a personal API key (`--personal-api-key` or POSTHOG_PERSONAL_API_KEY)')
  const timeoutText = values.get('--timeout') ?? '30'
  const seconds = Number(timeoutText)
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`\`--timeout\` must be a positive number of seconds, got \`${timeoutText}\``)
  // Origin and path only: a user name or password in the URL is never sent on or printed.
  const base = `${url.origin}${url.pathname}`.replace(/\/+$/, '')
  return { source: { kind: 'host', host: base, apiKey, personalApiKey, timeoutMs: seconds * 1000 }, out, typeName }
}

export interface TypegenIo {
  stdout: { write(text: string): unknown }
  stderr: { write(text: string): unknown }
}

/** Runs typegen; returns the exit code. Never prints a key. */
export async function runTypegen(options: TypegenOptions, io: TypegenIo): Promise<number> {
  const loaded = options.source.kind === 'file' ? await readDefinitionsFile(options.source.path) : await fetchDefinitions(options.source)
  if ('error' in loaded) {
    io.stderr.write(`hoglet typegen: ${loaded.error}\n`)
    return 1
  }
  const source = options.source.kind === 'file' ? 'a definitions file' : `the flag definitions of ${options.source.host}`
  const result = generateFlagTypes(loaded.json, { typeName: options.typeName, source })
  if (typeof result === 'string') {
    io.stderr.write(`hoglet typegen: ${result}\n`)
    return 1
  }
  if (options.out === undefined) io.stdout.write(result.text)
  else {
    // Write beside the target, then rename: a reader never sees half a file.
    const temp = `${options.out}.${process.pid}.tmp`
    try {
      await writeFile(temp, result.text)
      await rename(temp, options.out)
    } catch (err) {
      await rm(temp, { force: true })
      io.stderr.write(`hoglet typegen: cannot write \`${options.out}\`: ${(err as NodeJS.ErrnoException).code ?? String(err)}\n`)
      return 1
    }
    const skipped = result.skipped.length > 0 ? ` (${result.skipped.length} browser-only flags left out)` : ''
    io.stderr.write(`hoglet typegen: wrote ${result.flags} flags to ${options.out}${skipped}\n`)
  }
  return 0
}

type Loaded = { json: unknown } | { error: string }

async function readDefinitionsFile(path: string): Promise<Loaded> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    return { error: `cannot read \`${path}\`: ${(err as NodeJS.ErrnoException).code ?? String(err)}` }
  }
  try {
    return { json: JSON.parse(text) }
  } catch {
    return { error: `\`${path}\` is not JSON (typegen reads the definitions JSON; for a YAML flags file, start hoglet-server with it and use --host)` }
  }
}

async function fetchDefinitions(source: Extract<TypegenSource, { kind: 'host' }>): Promise<Loaded> {
  const headers = { Accept: 'application/json', Authorization: `Bearer ${source.personalApiKey}` }
  let status = 0
  let text = ''
  for (const path of [DEFINITIONS_PATH, LEGACY_DEFINITIONS_PATH]) {
    try {
      const res = await fetch(definitionsUrl(source.host, path, source.apiKey), { headers, signal: AbortSignal.timeout(source.timeoutMs) })
      status = res.status
      text = await res.text()
    } catch (err) {
      const reason = err instanceof Error && err.name === 'TimeoutError' ? `no answer within ${source.timeoutMs / 1000} s` : err instanceof Error ? err.message : String(err)
      return { error: `cannot reach ${source.host}: ${reason}` }
    }
    if (status !== 404) break
  }
  if (status === 401 || status === 403) {
    return { error: `${source.host} refused the definitions request (${status}): check the project API key and give a personal API key with feature flag read access (--personal-api-key)` }
  }
  if (status !== 200) return { error: `${source.host} answered ${status} to the definitions request` }
  try {
    return { json: JSON.parse(text) }
  } catch {
    return { error: `${source.host} answered with something that is not JSON` }
  }
}
