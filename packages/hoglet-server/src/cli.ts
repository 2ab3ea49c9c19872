#!/usr/bin/env node
import { parseCliArgs, USAGE } from './cli-args.js'
import { consoleLogger } from './logger.js'
import { startServer } from './server.js'

async function main(): Promise<void> {
  let opts
  try {
    opts = parseCliArgs(process.argv.slice(2))
  } catch (err) {
    console.error(`hoglet-server: ${(err as Error).message}\n\n${USAGE}`)
    process.exit(2)
  }
  if (opts === 'help') {
    console.log(USAGE)
    return
  }
  const server = await startServer({ ...opts, logger: consoleLogger })
  console.log(`hoglet-server is running at ${server.url}`)
  console.log(`  web page:     ${server.pageUrl}`)
  console.log(`  SDK setup:    new PostHog('<any token>', { host: '${server.url}' })`)
  console.log(`  control API:  ${server.url}/_hoglet/* with the header \`Authorization: Bearer ${server.controlToken}\``)
  console.log('Press Ctrl-C to stop.')

  let stopping = false
  const stop = (signal: string): void => {
    if (stopping) return
    stopping = true
    console.log(`\n${signal} received, closing...`)
    server.close().then(
      () => process.exit(0),
      (err) => {
        console.error(err)
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
}

main().catch((err) => {
  console.error(`hoglet-server: ${(err as Error).message}`)
  process.exit(1)
})
