#!/usr/bin/env node
// Installs the Node.js 22 and 24 binaries the runtime conformance suite runs on (npm packages,
// in their own folder so their `node` bins never shadow the machine's Node in npm scripts).
// Run by the root postinstall, so `npm ci` brings them; a failure only prints a notice, and the
// suite then skips those two runtimes saying so.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const folder = join(dirname(fileURLToPath(import.meta.url)), '..', 'packages', 'hoglet', 'test', 'runtimes', 'node-versions')

function installed() {
  const lock = JSON.parse(readFileSync(join(folder, 'package-lock.json'), 'utf8'))
  return ['node22', 'node24'].every((name) => {
    const manifest = join(folder, 'node_modules', name, 'package.json')
    return existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).version === lock.packages[`node_modules/${name}`]?.version
  })
}

if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.log('install-node-versions: the Node 22/24 packages are linux-x64 builds; the suite skips them here')
} else if (installed()) {
  console.log('install-node-versions: Node 22 and 24 already installed')
} else {
  const npm = process.env.npm_execpath
  const [command, args] = npm ? [process.execPath, [npm]] : ['npm', []]
  const result = spawnSync(command, [...args, 'ci', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: folder, stdio: 'inherit' })
  if (result.status !== 0) console.log('install-node-versions: could not install Node 22/24; their conformance runs will be skipped')
}
