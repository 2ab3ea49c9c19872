import type { WireEvent } from '../event.js'

/** What the capture path knows about a queued event before it is turned into JSON. */
export interface ScopeLike {
  readonly sessionId?: string
  readonly properties?: Readonly<Record<string, unknown>>
}

/**
 * A fixed-capacity ring buffer of events, stored column by column.
 *
 * Why columns: `capture()` only writes a few references and one number into preallocated
 * arrays, so queuing an event allocates nothing beyond what the caller passed in (plus the
 * uuid string it gets back), and the event becomes JSON only when its batch is built.
 * Events that need more (before_send, groups, personless ids...) are materialised at capture
 * time and kept whole in the `built` column.
 */
export class EventQueue {
  readonly capacity: number
  readonly event: Array<string | undefined>
  readonly distinctId: Array<string | undefined>
  readonly properties: Array<Record<string, unknown> | undefined>
  readonly time: Float64Array
  readonly uuid: Array<string | undefined>
  readonly supers: Array<Readonly<Record<string, unknown>> | undefined>
  readonly scope: Array<ScopeLike | undefined>
  readonly built: Array<WireEvent | undefined>
  /** JSON of the head event when a batch had to leave it for the next one (byte cap). */
  pendingJson: string | undefined = undefined
  head = 0
  size = 0
  /** Events ever pushed; the sequence number of the next one. */
  pushed = 0
  /** Events that left the queue (taken for sending or dropped as oldest). */
  removed = 0

  constructor(capacity: number) {
    this.capacity = capacity
    // Grow lazily up to `capacity`: a huge maxQueueSize must not cost memory up front.
    this.event = []
    this.distinctId = []
    this.properties = []
    this.uuid = []
    this.supers = []
    this.scope = []
    this.built = []
    this.time = new Float64Array(capacity)
  }

  /** Slot index for the next push; the caller fills the columns. Returns -1 when full. */
  reserve(): number {
    if (this.size === this.capacity) return -1
    let slot = this.head + this.size
    if (slot >= this.capacity) slot -= this.capacity
    this.size++
    this.pushed++
    return slot
  }

  /** Drops the oldest event (queue full). */
  dropOldest(): void {
    this.clear(this.head)
    this.pendingJson = undefined
    this.advance()
  }

  /** Removes the head event after it was taken into a batch (or refused). */
  shift(): void {
    this.clear(this.head)
    this.advance()
  }

  private advance(): void {
    this.head = this.head + 1 === this.capacity ? 0 : this.head + 1
    this.size--
    this.removed++
  }

  private clear(slot: number): void {
    this.event[slot] = undefined
    this.distinctId[slot] = undefined
    this.properties[slot] = undefined
    this.uuid[slot] = undefined
    this.supers[slot] = undefined
    this.scope[slot] = undefined
    this.built[slot] = undefined
  }
}
