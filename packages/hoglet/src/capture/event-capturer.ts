import {
  buildWireEvent,
  hasReservedKey,
  mergeProperties,
  toEpochMs,
  utf8Length,
  type EventMessage,
  type WireEvent,
} from '../event.js'
import { InvalidEventError } from '../errors/invalid-event-error.js'
import type { Logger } from '../logger.js'
import { isPlainObject, type ResolvedOptions } from '../options.js'
import type { Emitter } from '../pipeline/emitter.js'
import { SlotForm, type ScopeLike } from '../pipeline/event-queue.js'
import type { Lane } from '../pipeline/lane.js'
import type { ClientEvents, Reporter } from '../pipeline/reporter.js'
import type { Counters } from '../pipeline/stats.js'
import type { Closing } from '../pipeline/closing.js'
import { isUuid, uuidv7 } from '../uuid.js'
import { lazyModule } from '../lazy-module.js'

/**
 * Which properties a call gets and which `on()` event announces it: ordinary events take super
 * and context properties; identify, alias and groupIdentify take neither (as in posthog-node).
 */
export const enum CaptureKind {
  Event = 0,
  Identify = 1,
  Alias = 2,
  Group = 3,
}

const EMITTED_AS = ['capture', 'identify', 'alias', 'capture'] as const

/** The per-request scope the context module hands to event building. */
export interface CaptureScope extends ScopeLike {
  readonly distinctId?: string
  readonly deviceId?: string
}

/**
 * Extension point for the flags module: turns a flag snapshot (`capture({ flags })`) or a
 * `sendFeatureFlags` request into `$feature/<key>` and `$active_feature_flags` properties.
 */
export interface FeatureFlagEnricher {
  /** Synchronous: properties for a snapshot the caller already has. */
  propertiesFromSnapshot(flags: unknown): Record<string, unknown> | undefined
  /** Asynchronous: evaluate flags for `distinctId` (may make a request). Rejections are reported and the event is sent without flags. */
  fetchProperties(
    distinctId: string,
    groups: Record<string, string | number> | undefined,
    options: true | Record<string, unknown>,
  ): Promise<Record<string, unknown> | undefined>
  /**
   * For `$feature_flag_called` only: the properties to send instead of the merged ones, or
   * undefined to keep them (PostHog's slim exposure events, `minimalFlagCalledEvents`).
   */
  exposureProperties?(merged: Readonly<Record<string, unknown>>): Record<string, unknown> | undefined
}

const FLAG_CALLED = '$feature_flag_called'

/** The bot list and check of `__preview_capture_bot_pageviews`, imported when a client has it on. */
const botCode = lazyModule(() => import('./bot-pageviews.js'))

/** What the capturer needs from the client that owns it. */
export interface EventCapturerHost {
  readonly config: ResolvedOptions
  readonly logger: Logger
  readonly reporter: Reporter
  readonly counters: Counters
  readonly emitter: Emitter<ClientEvents>
  readonly closing: Closing
  trackPending<T>(promise: Promise<T>): Promise<T>
  reportError(error: Error, level?: 'warn' | 'error'): void
}

const EMPTY: Readonly<Record<string, unknown>> = Object.freeze({})
/** Room for what the batcher splices into a stored event: `$lib` fields and the timestamp. */
const SPLICED_BYTES = 160

/**
 * Turns a capture message into a queued event: validation, the fast path (one
 * `JSON.stringify` into the lane's ring buffer) and the slow path (`beforeSend`, flag
 * properties, `capture` listeners) that builds the whole `WireEvent` first.
 * Holds the state capture reads on every call: super properties, the context provider,
 * the flag enricher and whether the client has shut down.
 */
export class EventCapturer {
  /** True while nothing is sent: the `disabled` option, a blank api key, or opted out (`optOut()`, `defaultOptIn: false`). */
  off: boolean
  contextProvider: (() => CaptureScope | undefined) | undefined
  flagEnricher: FeatureFlagEnricher | undefined
  #superProperties: Readonly<Record<string, unknown>>
  #hasSuperProperties: boolean
  readonly #host: EventCapturerHost
  readonly #config: ResolvedOptions
  readonly #reporter: Reporter
  readonly #counters: Counters
  readonly #emitter: Emitter<ClientEvents>
  /** With the bot preview on: settles once the bot list is loaded (or failed to load, reported). */
  readonly #botsReady: Promise<void> | undefined

  constructor(host: EventCapturerHost) {
    this.#host = host
    this.#config = host.config
    this.#reporter = host.reporter
    this.#counters = host.counters
    this.#emitter = host.emitter
    this.#superProperties = host.config.superProperties
    this.#hasSuperProperties = Object.keys(this.#superProperties).length > 0
    this.off = host.config.disabled || !host.config.defaultOptIn
    if (host.config.botUserAgents !== undefined) {
      this.#botsReady = botCode.load().then(
        () => {},
        (error: unknown) => host.reportError(new InvalidEventError('capture', 'the bot user-agent list did not load; pageviews are sent unmarked', { cause: error })),
      )
    }
  }

  register(properties: Record<string, unknown>): void {
    if (!isPlainObject(properties)) return void this.#reporter.refuse('register', 'expects a plain object')
    this.#superProperties = Object.freeze({ ...this.#superProperties, ...properties })
    this.#hasSuperProperties = Object.keys(this.#superProperties).length > 0
  }

  unregister(key: string): void {
    if (typeof key !== 'string') return void this.#reporter.refuse('unregister', 'expects a property name (string)')
    if (!Object.prototype.hasOwnProperty.call(this.#superProperties, key)) return
    const next = { ...this.#superProperties }
    delete next[key]
    this.#superProperties = Object.freeze(next)
    this.#hasSuperProperties = Object.keys(next).length > 0
  }

  /** Validates and queues; person and group calls (`kind`) take no super or context properties. */
  capture(method: string, message: EventMessage, lane: Lane, kind: CaptureKind = CaptureKind.Event): string | undefined {
    try {
      return this.#capture(method, message, lane, kind)
    } catch (error) {
      // Last resort: a getter or proxy in the caller's message threw outside the checks below.
      return this.#reporter.refuseSerialisation(method, error)
    }
  }

  #capture(method: string, message: EventMessage, lane: Lane, kind: CaptureKind): string | undefined {
    if (this.off) return undefined
    if (message === null || typeof message !== 'object') return this.#reporter.refuse(method, 'expects an object like { distinctId, event, properties }')
    const event = message.event
    if (typeof event !== 'string' || event === '') return this.#reporter.refuse(method, '`event` must be a non-empty string')
    const properties = message.properties
    if (properties !== undefined && (properties === null || typeof properties !== 'object' || Array.isArray(properties))) {
      return this.#reporter.refuse(method, '`properties` must be an object')
    }
    const scope = kind === CaptureKind.Event ? this.contextProvider?.() : undefined
    let distinctId: unknown = message.distinctId
    let personless = false
    if (distinctId === undefined || distinctId === null || distinctId === '') {
      distinctId = scope?.distinctId
      if (distinctId === undefined) {
        // As posthog-node: no distinct id anywhere makes a personless event with a random id.
        distinctId = uuidv7()
        personless = true
      }
    } else if (typeof distinctId === 'number') {
      distinctId = String(distinctId)
    } else if (typeof distinctId !== 'string') {
      return this.#reporter.refuse(method, '`distinctId` must be a string or a number')
    }
    const now = Date.now()
    const time = message.timestamp === undefined ? now : toEpochMs(message.timestamp, now)
    if (Number.isNaN(time)) return this.#reporter.refuse(method, '`timestamp` is not a valid date')
    let uuid = message.uuid
    if (uuid === undefined || uuid === '') uuid = uuidv7(now)
    else if (typeof uuid !== 'string' || !isUuid(uuid)) return this.#reporter.refuse(method, '`uuid` must be a UUID string')

    const fetchFlags = message.sendFeatureFlags && message.flags === undefined && this.flagEnricher !== undefined
    // While the bot list loads (the bot preview is on), every event waits for it, so that events keep their order.
    const botsLoading = this.#botsReady !== undefined && botCode.loaded() === undefined
    if (fetchFlags || botsLoading) {
      // Read the message once, now: what the caller changes after capture() returns must not
      // be sent (nor can a throwing getter lose the event later).
      let snapshot: Snapshot
      try {
        snapshot = snapshotMessage(message)
      } catch (error) {
        return this.#reporter.refuseSerialisation(method, error)
      }
      const sendFlags = message.sendFeatureFlags as true | Record<string, unknown>
      const flags = message.flags
      const compute = (): Promise<Record<string, unknown> | undefined> | Record<string, unknown> | undefined =>
        fetchFlags ? this.flagEnricher!.fetchProperties(distinctId as string, snapshot.groups, sendFlags) : flags !== undefined ? this.#snapshotProperties(flags) : undefined
      // The flag lookup starts within the call (a throw in it becomes a rejection) unless the bot list is awaited first.
      const work = botsLoading ? this.#botsReady!.then(compute) : new Promise<Record<string, unknown> | undefined>((resolve) => resolve(compute()))
      this.#captureLater(method, work, snapshot, lane, distinctId as string, uuid, time, scope, personless, kind)
      return uuid
    }
    if (
      message.flags !== undefined ||
      this.#config.beforeSend.length > 0 ||
      this.#emitter.has(EMITTED_AS[kind]) ||
      (this.#config.botUserAgents !== undefined && event === '$pageview')
    ) {
      const computed = message.flags !== undefined ? this.#snapshotProperties(message.flags) : undefined
      let wire: WireEvent
      try {
        wire = this.#build(message, event, distinctId as string, uuid, time, scope, personless, computed, kind)
      } catch (error) {
        return this.#reporter.refuseSerialisation(method, error)
      }
      this.#counters.captured++
      return this.#enqueueBuilt(method, wire, lane, kind)
    }

    // Fast path: one JSON.stringify, one flat string into the ring buffer.
    let merged: Readonly<Record<string, unknown>> = properties ?? EMPTY
    const withSuper = kind === CaptureKind.Event && this.#hasSuperProperties
    if (
      personless ||
      message.groups !== undefined ||
      withSuper ||
      (scope !== undefined && (scope.properties !== undefined || scope.sessionId !== undefined)) ||
      (properties !== undefined && hasReservedKey(properties))
    ) {
      merged = mergeProperties({ properties, superProperties: withSuper ? this.#superProperties : undefined, scope, groups: message.groups, personless })
    }
    if (event === FLAG_CALLED) merged = this.flagEnricher?.exposureProperties?.(merged) ?? merged
    let json: string
    try {
      // `properties` last: the batcher splices the `$lib` fields and the timestamp in after it.
      // `uuid` first: next to the previous event's id, which shares most of its digits, it
      // gzips about 5% smaller per event than between `distinct_id` and `properties`.
      json = JSON.stringify({ uuid, event, distinct_id: distinctId, properties: merged })
    } catch (error) {
      return this.#reporter.refuseSerialisation(method, error)
    }
    // Reading a character would flatten the text (JSON.stringify returns a rope of its buffers):
    // only properties that might not serialise as `{…}` (toJSON, a boxed primitive) are checked.
    if (!writesAsObject(merged) && json.charCodeAt(json.length - 2) !== 125 /* } */) {
      return this.#reporter.refuse(method, '`properties` must serialise to a JSON object')
    }
    const cap = lane.maxEventBytes - SPLICED_BYTES
    if (json.length * 3 > cap && utf8Length(json) > cap) return this.#reporter.refuseTooLarge(method, json, lane.maxEventBytes)
    const geoip = message.disableGeoip
    const form = geoip === undefined || geoip === this.#config.disableGeoip ? SlotForm.Default : geoip ? SlotForm.GeoipDisabled : SlotForm.GeoipEnabled
    this.#push(lane, json, time, form)
    return uuid
  }

  /**
   * Puts one event into the lane. Every counter and the queue are updated before any
   * caller code (a `drop` listener, `onError`, the logger) runs, so a capture made from that
   * code finds a consistent queue and is queued or counted like any other.
   * `counted`: the slow path counted the event as captured already.
   */
  #push(lane: Lane, json: string, time: number, form: SlotForm, counted = false): void {
    const q = lane.queue
    if (!counted) this.#counters.captured++
    // Durable spool: on disk (the page cache) before capture() returns, in queue order.
    if (lane.spool !== undefined) lane.spool.append(json, time, form)
    if (q.push(json, time, form)) {
      lane.pushed()
      this.#reporter.pushed()
      return
    }
    // Full: the oldest event makes room for the newest.
    q.dropOldest()
    q.push(json, time, form)
    lane.droppedOldest()
    lane.pushed()
    this.#reporter.overflow()
  }

  // ---- Slow path: the whole WireEvent is built before it is queued ----

  #build(
    message: Snapshot | EventMessage,
    event: string,
    distinctId: string,
    uuid: string,
    time: number,
    scope: CaptureScope | undefined,
    personless: boolean,
    computed: Record<string, unknown> | undefined,
    kind: CaptureKind,
  ): WireEvent {
    const wire = buildWireEvent({
      event,
      distinctId,
      uuid,
      timeMs: time,
      properties: message.properties,
      superProperties: kind === CaptureKind.Event ? this.#superProperties : undefined,
      scope,
      computed,
      groups: message.groups,
      personless,
      disableGeoip: message.disableGeoip ?? this.#config.disableGeoip,
      isServer: this.#config.isServer,
    })
    const bots = this.#config.botUserAgents
    if (bots !== undefined && event === '$pageview') botCode.loaded()?.markBotPageview(wire, bots)
    if (event === FLAG_CALLED) {
      const slim = this.flagEnricher?.exposureProperties?.(wire.properties)
      if (slim) wire.properties = slim
    }
    return wire
  }

  #snapshotProperties(flags: unknown): Record<string, unknown> | undefined {
    if (!this.flagEnricher) return undefined
    try {
      return this.flagEnricher.propertiesFromSnapshot(flags)
    } catch (error) {
      this.#host.reportError(new InvalidEventError('capture', 'the `flags` snapshot could not be read; the event is sent without flags', { cause: error }), 'warn')
      return undefined
    }
  }

  /** Queues the event once `work` has computed its flag properties (or none); the event is counted as captured now. */
  #captureLater(
    method: string,
    work: Promise<Record<string, unknown> | undefined>,
    message: Snapshot,
    lane: Lane,
    distinctId: string,
    uuid: string,
    time: number,
    scope: CaptureScope | undefined,
    personless: boolean,
    kind: CaptureKind,
  ): void {
    const counters = this.#counters
    counters.captured++
    counters.preparing++
    const failed = (error: unknown): undefined => {
      this.#host.reportError(new InvalidEventError(method, 'feature flags could not be evaluated; the event is sent without them', { cause: error }), 'warn')
      return undefined
    }
    lane.preparing = this.#host.trackPending(
      work.then(undefined, failed).then((computed) => {
        counters.preparing--
        let wire: WireEvent
        try {
          wire = this.#build(message, message.event, distinctId, uuid, time, scope, personless, computed, kind)
        } catch (error) {
          // Not expected (the snapshot is plain JSON); the event was counted, so it is a drop.
          return void this.#reporter.drop('invalid', 1, `${method}(): the event could not be built: ${(error as Error)?.message ?? error}`, error)
        }
        this.#enqueueBuilt(method, wire, lane, kind)
      }),
    )
  }

  /**
   * Runs before_send and queues a complete event (already counted as captured); returns the
   * final uuid or undefined when it was dropped.
   */
  #enqueueBuilt(method: string, wire: WireEvent, lane: Lane, kind: CaptureKind): string | undefined {
    const final = this.#beforeSend(wire)
    if (final === undefined) return undefined
    if (this.#host.closing.signal.aborted) {
      this.#reporter.drop('shutdown', 1, `${method}(): the client shut down before the event was ready`)
      return undefined
    }
    let json: string
    let time: number
    try {
      json = JSON.stringify(final)
      time = Date.parse(final.timestamp)
    } catch (error) {
      this.#reporter.drop('invalid', 1, `${method}(): the event cannot be serialised to JSON (${(error as Error)?.message ?? error})`, error)
      return undefined
    }
    if (json.length * 3 > lane.maxEventBytes && utf8Length(json) > lane.maxEventBytes) {
      this.#reporter.drop('too_large', 1, `${method}(): the event is ${utf8Length(json)} bytes, over the ${lane.maxEventBytes}-byte cap`)
      return undefined
    }
    this.#push(lane, json, Number.isNaN(time) ? Date.now() : time, SlotForm.Complete, true)
    this.#emitter.emit(EMITTED_AS[kind], final)
    return final.uuid
  }

  #beforeSend(wire: WireEvent): WireEvent | undefined {
    let current: WireEvent | null = wire
    for (const fn of this.#config.beforeSend) {
      try {
        current = fn(current)
      } catch (error) {
        this.#reporter.drop('before_send', 1, `before_send threw: ${(error as Error)?.message ?? error}`, error)
        return undefined
      }
      if (current === null || current === undefined) {
        this.#reporter.dropRequested('before_send', `Event '${wire.event}' was dropped by before_send.`)
        return undefined
      }
      if (typeof current !== 'object' || typeof current.event !== 'string' || typeof current.distinct_id !== 'string') {
        this.#reporter.drop('before_send', 1, 'before_send returned something that is not an event')
        return undefined
      }
    }
    if (current.uuid === undefined || current.uuid === '') current.uuid = uuidv7()
    return current
  }
}

const objectToString = Object.prototype.toString

/**
 * True when JSON.stringify certainly writes `value` as an object: an ordinary object whose
 * prototype is Object.prototype, without `toJSON`, holding no boxed primitive (a `new String()`
 * given another prototype is still written as its string). Anything else is checked on the text.
 */
function writesAsObject(value: object): boolean {
  return Object.getPrototypeOf(value) === Object.prototype && (value as { toJSON?: unknown }).toJSON === undefined && objectToString.call(value) === '[object Object]'
}

/** The parts of a capture message read after capture() returns (events queued once their flags or the bot list are there). */
interface Snapshot {
  readonly event: string
  readonly properties: Record<string, unknown> | undefined
  readonly groups: Record<string, string | number> | undefined
  readonly disableGeoip: boolean | undefined
}

/** Reads the message once: properties as a JSON copy (throws on circular, BigInt, a throwing getter). */
function snapshotMessage(message: EventMessage): Snapshot {
  const properties = message.properties
  const groups = message.groups
  return {
    event: message.event,
    properties: properties === undefined ? undefined : JSON.parse(JSON.stringify(properties)),
    groups: groups === undefined || groups === null || typeof groups !== 'object' ? undefined : JSON.parse(JSON.stringify(groups)),
    disableGeoip: typeof message.disableGeoip === 'boolean' ? message.disableGeoip : undefined,
  }
}
