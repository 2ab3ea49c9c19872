/**
 * Where hoglet deliberately behaves differently from posthog-node, as data: each entry is stated
 * in docs/migrating-from-posthog-node.md (an anchor `diff-<id>` in its "Deliberate differences"
 * section; a test checks it), and the comparison harness accepts a difference only when the
 * scenario names an entry whose `paths` match it.
 */
export const DOCUMENTED_DIFFERENCES = {
  'flush-never-rejects': {
    summary: 'flush() and shutdown() never reject; posthog-node rejects flush() when a request fails. Failures are reported through onError, on("error") and stats().',
    paths: [/^result\.flushRejected$/, /^result\.flushError$/],
  },
  'flush-event-per-request': {
    summary: 'on("flush") fires once per delivered request (a list of the delivered events with `path` and `count`); posthog-node fires once per flush() call with every event it sent.',
    paths: [/^result\.flushPayloads(\[\d+\])?\.(path|count)$/, /^result\.flushPayloads\.length$/],
  },
  'identify-set-merge': {
    summary: 'identify() with both `$set` and other top-level properties sets all of them; posthog-node ignores the other properties when `$set` is given.',
    paths: [/^events\[\d+\]\.properties\.\$set\./],
  },
  'debug-output': {
    summary: 'debug() logs through the `logger` option (console by default, prefixed [hoglet]); posthog-node logs to the console prefixed [PostHog]. Both log while debug is on and stop after debug(false).',
    paths: [/^result\.debugLines\.(prefix)$/],
  },
} as const satisfies Record<string, { summary: string; paths: RegExp[] }>

export type DocumentedDifferenceId = keyof typeof DOCUMENTED_DIFFERENCES
