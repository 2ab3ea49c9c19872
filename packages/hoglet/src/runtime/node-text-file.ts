/**
 * A text file written atomically (a temporary file in the same folder, then a rename), so a
 * reader never sees half a file even when the process dies mid-write. Node, Bun and Deno.
 */
import { nodeBuiltin } from './node-builtins.js'
import type { TextFile } from './types.js'

export function nodeTextFile(path: string): TextFile {
  let counter = 0
  return {
    async read() {
      try {
        return await nodeBuiltin('node:fs/promises').readFile(path, 'utf8')
      } catch (err) {
        if ((err as NodeJS.ErrnoException)?.code === 'ENOENT') return undefined
        throw err
      }
    },
    async write(text) {
      const { mkdir, rename, unlink, writeFile } = nodeBuiltin('node:fs/promises')
      const temporary = `${path}.${process.pid}.${++counter}.tmp`
      await mkdir(nodeBuiltin('node:path').dirname(path), { recursive: true })
      try {
        await writeFile(temporary, text, 'utf8')
        await rename(temporary, path)
      } catch (err) {
        await unlink(temporary).catch(() => undefined)
        throw err
      }
    },
  }
}
