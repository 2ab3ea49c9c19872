import { IMPORT_USAGE, UsageError, parseImportArgs } from './import-args.js'
import { EXIT, runImport } from './import-run.js'
import { TYPEGEN_USAGE, parseTypegenArgs, runTypegen } from './typegen.js'

const USAGE = `Usage: hoglet <command> [options]

Commands:
  import <file>   stream a JSONL or CSV file of past events into PostHog (hoglet import --help)
  typegen         write TypeScript types for your feature flags (hoglet typegen --help)`

/** The `hoglet` command line; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`)
    return command === undefined ? EXIT.usage : EXIT.ok
  }
  if (command === 'typegen') return typegen(rest)
  if (command !== 'import') {
    process.stderr.write(`hoglet: unknown command \`${command}\`\n${USAGE}\n`)
    return EXIT.usage
  }
  let options
  try {
    options = parseImportArgs(rest, process.env)
  } catch (err) {
    if (!(err instanceof UsageError)) throw err
    process.stderr.write(`hoglet import: ${err.message}\n\n${IMPORT_USAGE}\n`)
    return EXIT.usage
  }
  if (options === 'help') {
    process.stdout.write(`${IMPORT_USAGE}\n`)
    return EXIT.ok
  }
  return runImport(options, { stdout: process.stdout, stderr: process.stderr, handleSignals: true })
}

async function typegen(argv: string[]): Promise<number> {
  let options
  try {
    options = parseTypegenArgs(argv, process.env)
  } catch (err) {
    if (!(err instanceof UsageError)) throw err
    process.stderr.write(`hoglet typegen: ${err.message}\n\n${TYPEGEN_USAGE}\n`)
    return EXIT.usage
  }
  if (options === 'help') {
    process.stdout.write(`${TYPEGEN_USAGE}\n`)
    return EXIT.ok
  }
  return runTypegen(options, { stdout: process.stdout, stderr: process.stderr })
}
