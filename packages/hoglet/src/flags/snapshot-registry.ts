/**
 * Which objects are real flag snapshots, known without loading the flag service: the capture
 * path reads `capture({ flags })` through here, so a client that never called a flag method
 * need not load `snapshot.ts`'s neighbours to recognise one (a snapshot made by another client
 * of the process, for instance).
 */
/** What the capture path reads from a snapshot (`FeatureFlagEvaluations`; named structurally, so this module imports nothing). */
interface SnapshotLike {
  toEventProperties(): Record<string, unknown>
}

const snapshots = new WeakSet<SnapshotLike>()

/** Called by each snapshot's constructor. */
export function registerSnapshot(snapshot: SnapshotLike): void {
  snapshots.add(snapshot)
}

/** The event properties of a snapshot; undefined for anything else. */
export function snapshotProperties(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && snapshots.has(value as SnapshotLike) ? (value as SnapshotLike).toEventProperties() : undefined
}
