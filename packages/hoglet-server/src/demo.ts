import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runExampleService } from './demo/example-service.js'
import { formatSummary } from './demo/summary.js'
import { startServer } from './server.js'

/**
 * `npm run demo`: hoglet-server with the sample flags, an example service using the SDK
 * against it, a summary of what was stored, then the web page stays up until Ctrl-C.
 * `--exit` (or HOGLET_DEMO_EXIT=1) stops after the summary, for tests and CI.
 */
async function main(): Promise<void> {
  const exitAfter = process.argv.includes('--exit') || process.env.HOGLET_DEMO_EXIT === '1'
  const flagsFile = fileURLToPath(new URL('../examples/flags.yaml', import.meta.url))
  const dir = mkdtempSync(join(tmpdir(), 'hoglet-demo-'))
  const port = (await isPortFree(8010)) ? 8010 : 0
  const server = await startServer({ port, database: join(dir, 'demo.db'), flagsFile })
  let cleaned = false
  const cleanup = async (): Promise<void> => {
    if (cleaned) return
    cleaned = true
    await server.close()
    rmSync(dir, { recursive: true, force: true })
  }

  console.log(`hoglet-server started at ${server.url} with ${server.flags.definitions.flags.length} sample flags (${flagsFile})`)
  console.log('Running the example service (SDK: captures, identify, groups, local and remote flags, an experiment)...\n')
  try {
    const report = await runExampleService(server.url)
    console.log(formatSummary(server, report))
  } catch (err) {
    console.error('The example service failed:', err)
    await cleanup()
    process.exit(1)
  }

  if (exitAfter) {
    await cleanup()
    console.log('\nDemo finished.')
    return
  }
  console.log(`\nOpen ${server.pageUrl} to see the events, persons, groups and flags (live).`)
  console.log(`Point your own code at it: new PostHog('<any token>', { host: '${server.url}' })`)
  console.log('Press Ctrl-C to stop.')
  const stop = (): void => {
    console.log('\nStopping...')
    cleanup().then(() => {
      console.log('hoglet-server stopped; the demo database was removed.')
      process.exit(0)
    })
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer()
    probe.once('error', () => resolve(false))
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)))
  })
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
