// The scenarios the runner knows, the figures each prints, and the targets they are judged by.
//
// Target kinds:
//   ratio-max   hoglet ÷ posthog-node must be at most `value` (lower is better: cost, heap)
//   ratio-min   hoglet ÷ posthog-node must be at least `value` (higher is better: events/s)
//   speedup-min posthog-node ÷ hoglet must be at least `value` (times faster, from µs per call)
//   abs-min     hoglet's own figure must be at least `value` (no posthog-node equivalent)
//   abs-max     hoglet's own figure must be at most `value` (no posthog-node equivalent)
//   self-ratio-max  hoglet's `metric` ÷ hoglet's `base` must be at most `value` (one option against another)
// An `informative` target is printed as INFO (a second view of the same figure), never PASS/FAIL.
//
// The flag targets are judged on wall-clock time per call, what a caller waits. Process CPU
// time per call (all threads, so posthog-node's SHA-1 work on the libuv threadpool counts) is
// printed beside it: on a busy shared machine the wall clock also measures how often the
// scheduler runs each process, and the two views together show how much that moved things.

export const SCENARIOS = [
  {
    name: 'capture-cost',
    file: 'capture-cost.mjs',
    exposeGc: true,
    libs: ['hoglet', 'posthog-node'],
    metrics: [
      { key: 'usPerCapture', label: 'capture() µs per call, incl. deferred work', digits: 2 },
      { key: 'usPerCaptureSync', label: 'capture() µs per call, synchronous part only', digits: 2 },
      { key: 'heapBytesPerEvent', label: 'memory kept per queued event, 50k queued, bytes (V8 heap + external)', digits: 0 },
      { key: 'smallQueueBytesPerEvent', label: 'memory kept per queued event, 800 queued, bytes', digits: 0 },
      { key: 'v8HeapBytesPerEvent', label: 'V8 heap kept per queued event, bytes', digits: 0 },
      { key: 'transientHeapBytesPerEvent', label: 'memory per event before GC (transient), bytes', digits: 0 },
    ],
    targets: [
      { metric: 'usPerCapture', kind: 'ratio-max', value: 0.1, label: 'capture() incl. deferred work ≤ 0.1× posthog-node' },
      { metric: 'smallQueueBytesPerEvent', kind: 'ratio-max', value: 0.2, label: 'memory per queued event, 800 queued, ≤ 0.2× posthog-node' },
      { metric: 'heapBytesPerEvent', kind: 'ratio-max', value: 0.1, label: 'memory per queued event, 50k backlog, ≤ 0.1× posthog-node' },
    ],
  },
  {
    name: 'delivery-throughput',
    file: 'delivery-throughput.mjs',
    libs: ['hoglet', 'posthog-node'],
    metrics: [
      { key: 'eventsPerSecond', label: 'events/s delivered end to end (default batching, gzip)', digits: 0 },
      { key: 'cpuUsPerEvent', label: 'SDK process CPU µs per event, capture to delivered', digits: 2 },
      { key: 'eventBuildUsPerEvent', label: "the application's own event objects, µs per event (built before the clock, not counted above)", digits: 2 },
      { key: 'requestsPerRun', label: 'HTTP requests for 50k events', digits: 0 },
      { key: 'gzipBytesPerEvent', label: 'request bytes per event (gzipped)', digits: 1 },
    ],
    targets: [
      { metric: 'cpuUsPerEvent', kind: 'ratio-max', value: 0.12, label: 'CPU per event from capture() to delivery ≤ 0.12× posthog-node' },
      { metric: 'gzipBytesPerEvent', kind: 'ratio-max', value: 1.0, label: 'gzipped bytes per event delivered, default batching', informative: true },
      { metric: 'eventsPerSecond', kind: 'ratio-min', value: 3, label: 'delivery ≥ 3× posthog-node events/s' },
    ],
  },
  {
    // The configuration posthog-node's published figure was measured with; informative only.
    name: 'delivery-throughput-big-batches',
    file: 'delivery-throughput.mjs',
    args: ['--flushAt', '100', '--maxBatchSize', '1000'],
    libs: ['hoglet', 'posthog-node'],
    metrics: [
      { key: 'eventsPerSecond', label: 'events/s delivered end to end (flushAt 100, maxBatchSize 1000)', digits: 0 },
      { key: 'cpuUsPerEvent', label: 'SDK process CPU µs per event, capture to delivered', digits: 2 },
      { key: 'requestsPerRun', label: 'HTTP requests for 50k events', digits: 0 },
    ],
    targets: [],
  },
  {
    name: 'wire-bytes',
    file: 'wire-bytes.mjs',
    libs: ['hoglet', 'posthog-node'],
    metrics: [
      { key: 'gzipBytesPerEvent', label: 'request bytes per event, gzipped, 100 a batch, bursts', digits: 1 },
      { key: 'jsonBytesPerEvent', label: 'request bytes per event, JSON before gzip', digits: 1 },
      { key: 'spacedGzipBytesPerEvent', label: 'request bytes per event, gzipped, one event per millisecond', digits: 1 },
    ],
    targets: [
      { metric: 'gzipBytesPerEvent', kind: 'ratio-max', value: 1.0, label: 'gzipped bytes per event ≤ 1.0× posthog-node' },
      { metric: 'spacedGzipBytesPerEvent', kind: 'ratio-max', value: 1.0, label: 'gzipped bytes per event, spaced events', informative: true },
    ],
  },
  {
    // Capture v1 (`/i/v1/analytics/events`, per-event results) against the v0 row above.
    name: 'delivery-throughput-v1',
    file: 'delivery-throughput.mjs',
    args: ['--v1', '1'],
    libs: ['hoglet', 'posthog-node'],
    metrics: [
      { key: 'eventsPerSecond', label: 'events/s delivered end to end through Capture v1 (default batching, gzip)', digits: 0 },
      { key: 'cpuUsPerEvent', label: 'SDK process CPU µs per event, capture to delivered (v1)', digits: 2 },
      { key: 'requestsPerRun', label: 'HTTP requests for 50k events (v1)', digits: 0 },
      { key: 'gzipBytesPerEvent', label: 'request bytes per event (gzipped, v1)', digits: 1 },
    ],
    targets: [{ metric: 'eventsPerSecond', kind: 'ratio-min', value: 3, label: 'Capture v1 delivery, events/s against posthog-node in v1', informative: true }],
  },
  {
    name: 'flags-local-single',
    file: 'flags-local-single.mjs',
    libs: ['hoglet', 'posthog-node'],
    metrics: [
      { key: 'usPerCall', label: 'getFeatureFlag µs per call (local), wall clock', digits: 2 },
      { key: 'cpuUsPerCall', label: 'getFeatureFlag µs per call (local), process CPU', digits: 2 },
    ],
    targets: [
      { metric: 'usPerCall', kind: 'speedup-min', value: 100, label: 'getFeatureFlag ≥ 100× faster (wall clock per call)' },
      { metric: 'cpuUsPerCall', kind: 'speedup-min', value: 100, label: 'getFeatureFlag, process CPU per call', informative: true },
    ],
  },
  {
    name: 'flags-local-all',
    file: 'flags-local-all.mjs',
    libs: ['hoglet', 'posthog-node'],
    metrics: [
      { key: 'usPerCall', label: 'getAllFlags (40 flags) µs per call (local), wall clock', digits: 1 },
      { key: 'cpuUsPerCall', label: 'getAllFlags (40 flags) µs per call (local), process CPU', digits: 1 },
    ],
    targets: [
      { metric: 'usPerCall', kind: 'speedup-min', value: 40, label: 'getAllFlags over 40 flags ≥ 40× faster (wall clock per call)' },
      { metric: 'cpuUsPerCall', kind: 'speedup-min', value: 40, label: 'getAllFlags over 40 flags, process CPU per call', informative: true },
    ],
    compareDigests: true,
  },
  {
    // Not a timing: how often each library must ask /flags when callers withhold properties,
    // and how many local answers it gives that the full properties would contradict.
    name: 'flags-remote-calls',
    file: 'flags-remote-calls.mjs',
    libs: ['hoglet', 'posthog-node'],
    metrics: [
      { key: 'allFlagsCallsPer1000', label: '/flags requests per 1,000 getAllFlags calls, properties withheld', digits: 1 },
      { key: 'singleFlagCallsPer1000', label: '/flags requests per 1,000 getFeatureFlag calls, properties withheld', digits: 1 },
      { key: 'wrongLocalAnswers', label: 'local answers contradicted by the full properties (of 10,000)', digits: 0 },
    ],
    targets: [],
  },
  {
    name: 'cold-start',
    file: 'cold-start.mjs',
    libs: ['hoglet', 'posthog-node'],
    metrics: [
      { key: 'loaderWarmupMs', label: "first package import (one line, neither library's; before the clock), ms", digits: 2 },
      { key: 'importMs', label: 'import in a fresh process, ms', digits: 2 },
      { key: 'importCpuMs', label: 'import, CPU time, ms', digits: 2 },
      { key: 'constructMs', label: 'new PostHog(), ms', digits: 3 },
      { key: 'firstCaptureMs', label: 'first capture(), ms', digits: 3 },
      { key: 'totalMs', label: 'import + construct + first capture, ms', digits: 2 },
    ],
    targets: [
      { metric: 'importMs', kind: 'ratio-max', value: 0.1, label: 'import ≤ 0.1× posthog-node' },
      { metric: 'constructMs', kind: 'ratio-max', value: 0.1, label: 'construct ≤ 0.1× posthog-node' },
    ],
  },
  {
    name: 'fleet-definitions',
    file: 'fleet-definitions.mjs',
    libs: ['hoglet', 'posthog-node'],
    metrics: [
      { key: 'definitionsPerMinute', label: 'definitions requests/min, 8 processes, 30 s interval (hoglet: Redis cache; posthog-node: no cache implementation)', digits: 1 },
      { key: 'definitionsPerMinuteNoCache', label: 'definitions requests/min, 8 processes, each polling', digits: 1 },
      { key: 'pollsPerIntervalRedis', label: 'definitions polls per interval with the Redis cache', digits: 2 },
    ],
    targets: [{ metric: 'definitionsPerMinute', kind: 'ratio-max', value: 0.2, label: 'a fleet of 8 polls ≤ 0.2× as often as posthog-node (one poll per interval)' }],
  },
  {
    name: 'spool-cost',
    file: 'spool-cost.mjs',
    exposeGc: true,
    libs: ['hoglet'],
    metrics: [
      { key: 'usPerCaptureMemory', label: "capture() µs per call, in memory (persistence: 'memory')", digits: 2 },
      { key: 'usPerCaptureSpoolBatch', label: "capture() µs per call, file spool, fsync 'batch' (default)", digits: 2 },
      { key: 'usPerCaptureSpoolNever', label: "capture() µs per call, file spool, fsync 'never'", digits: 2 },
      { key: 'usPerCaptureSpoolAlways', label: "capture() µs per call, file spool, fsync 'always'", digits: 1 },
    ],
    targets: [{ metric: 'usPerCaptureSpoolBatch', base: 'usPerCaptureMemory', kind: 'self-ratio-max', value: 2, label: "spool 'batch' capture ≤ 2× in-memory capture" }],
  },
  {
    name: 'server-ingest',
    file: 'server-ingest.mjs',
    libs: ['hoglet'],
    metrics: [
      { key: 'eventsPerSecond', label: 'events/s stored by hoglet-server (rows counted)', digits: 0 },
      { key: 'serverCpuUsPerEvent', label: 'hoglet-server process CPU µs per event stored', digits: 2 },
      { key: 'clientCpuUsPerEvent', label: 'SDK processes CPU µs per event sent (both together)', digits: 2 },
      { key: 'clients', label: 'SDK client processes', digits: 0 },
    ],
    targets: [{ metric: 'eventsPerSecond', kind: 'abs-min', value: 100_000, label: 'hoglet-server stores ≥ 100k events/s from 2 SDK processes' }],
  },
  {
    name: 'server-hostile',
    file: 'server-hostile.mjs',
    libs: ['hoglet'],
    metrics: [
      { key: 'lz64BombBlockMs', label: 'longest event-loop block, lz64 bomb (23 KiB → 600 M chars), ms', digits: 0 },
      { key: 'gzipBombBlockMs', label: 'longest event-loop block, gzip bomb (64 MiB inflated), ms', digits: 0 },
      { key: 'hugeBatchBlockMs', label: 'longest event-loop block, 20 MiB batch of tiny events, ms', digits: 0 },
      { key: 'regexFlagsBlockMs', label: 'longest event-loop block, /flags over 5,000 regex flags, ms', digits: 0 },
      { key: 'regexFlagsCutOff', label: 'of those 5,000 flags, answered as failed past the budget', digits: 0 },
      { key: 'maxBlockMs', label: 'longest event-loop block of any of them, ms', digits: 0 },
      { key: 'rssGrowthMiB', label: 'RSS growth over 60 bodies of 19 MiB invalid JSON, MiB', digits: 0 },
    ],
    targets: [
      { metric: 'maxBlockMs', kind: 'abs-max', value: 1000, label: 'no hostile request blocks hoglet-server > 1 s' },
      { metric: 'rssGrowthMiB', kind: 'abs-max', value: 200, label: '60 × 19 MiB invalid bodies grow RSS ≤ 200 MiB' },
    ],
  },
]

/** Judges one target from the per-library medians; returns the ratio shown and the verdict. */
export function judge(target, figures) {
  const h = figures.hoglet?.[target.metric]
  const p = target.kind === 'self-ratio-max' ? figures.hoglet?.[target.base] : figures['posthog-node']?.[target.metric]
  if (typeof h !== 'number' || (!target.kind.startsWith('abs-') && typeof p !== 'number')) {
    return { ratio: undefined, pass: false, shown: 'not measured' }
  }
  switch (target.kind) {
    case 'ratio-max': {
      const ratio = h / p
      return { ratio, pass: ratio <= target.value, shown: `${ratio.toFixed(3)}× (target ≤ ${target.value}×)` }
    }
    case 'ratio-min': {
      const ratio = h / p
      return { ratio, pass: ratio >= target.value, shown: `${ratio.toFixed(2)}× (target ≥ ${target.value}×)` }
    }
    case 'speedup-min': {
      const ratio = p / h
      return { ratio, pass: ratio >= target.value, shown: `${ratio.toFixed(1)}× faster (target ≥ ${target.value}×)` }
    }
    case 'self-ratio-max': {
      const ratio = h / p
      return { ratio, pass: ratio <= target.value, shown: `${ratio.toFixed(2)}× ${target.base} (target ≤ ${target.value}×)` }
    }
    case 'abs-min':
      return { ratio: h, pass: h >= target.value, shown: `${Math.round(h)} (target ≥ ${target.value})` }
    case 'abs-max':
      return { ratio: h, pass: h <= target.value, shown: `${Math.round(h)} (target ≤ ${target.value})` }
    default:
      throw new Error(`unknown target kind ${target.kind}`)
  }
}
