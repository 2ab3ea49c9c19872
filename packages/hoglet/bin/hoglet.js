#!/usr/bin/env node
import { main } from '../dist/cli.js'

const code = await main(process.argv.slice(2))
// Let stdout drain, then exit even if an idle keep-alive socket lingers.
process.stdout.write('', () => process.exit(code))
