/**
 * A text file written atomically (a temporary file in the same folder, then a rename), so a
 * reader never sees half a file even when the process dies mid-write. Node, Bun and Deno.
 */
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { TextFile } from './types.js'

export function nodeTextFile(path: string): TextFile {
  let counter = 0
  return {
    async read() {
      try {
        return await readFile(path, 'utf8')
      } catch (err) {
        if ((err as NodeJS.ErrnoException)?.code === 'ENOENT') return undefined
        throw err
      }
    },
    async write(text) {
      const temporary = `${path}.${process.pid}.${++counter}.tmp`
      await mkdir(dirname(path), { recursive: true })
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
