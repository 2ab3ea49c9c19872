// Frameworks the documentation mentions that are not installed here: their few names the
// snippets use.
declare module 'next/server' {
  export function after(task: Promise<unknown> | (() => unknown)): void
}
