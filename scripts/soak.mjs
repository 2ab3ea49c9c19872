#!/usr/bin/env node
// Long reliability runs (not part of `npm test`): the public-API fuzz with millions of calls,
// the spool's SIGKILL test with more events, the fault matrix with more events per case.
// Sizes can be changed through the same variables: HOGLET_FUZZ_CALLS, HOGLET_SPOOL_EVENTS,
// HOGLET_FAULT_EVENTS.
import { spawnSync } from 'node:child_process'

const env = {
  ...process.env,
  HOGLET_FUZZ_CALLS: process.env.HOGLET_FUZZ_CALLS ?? '2000000',
  HOGLET_SPOOL_EVENTS: process.env.HOGLET_SPOOL_EVENTS ?? '100000',
  HOGLET_FAULT_EVENTS: process.env.HOGLET_FAULT_EVENTS ?? '5000',
}
const files = [
  'packages/hoglet/test/reliability/public-api-fuzz.test.ts',
  'packages/hoglet/test/reliability/spool.test.ts',
  'packages/hoglet-server/test/fault-matrix.test.ts',
]
console.log(`soak: ${env.HOGLET_FUZZ_CALLS} fuzz calls, ${env.HOGLET_SPOOL_EVENTS} spooled events under SIGKILL, ${env.HOGLET_FAULT_EVENTS} events per fault case`)
const result = spawnSync(process.execPath, ['scripts/run-tests.mjs', ...files], { stdio: 'inherit', env })
process.exit(result.status ?? 1)
