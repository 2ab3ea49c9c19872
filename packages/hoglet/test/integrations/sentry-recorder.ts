import type * as Sentry from '@sentry/node'

/** Sentry events as the real SDK hands them to its transport (no network), oldest first. */
export const sentryEvents: Array<Record<string, any>> = []

type Transport = ReturnType<NonNullable<Sentry.NodeOptions['transport']>>

/** A Sentry `transport` that keeps each envelope's events in `sentryEvents`. */
export function recordingTransport(): Transport {
  return {
    async send(envelope: unknown) {
      const [, items] = envelope as unknown as [unknown, Array<[{ type: string }, unknown]>]
      for (const [header, payload] of items) if (header.type === 'event') sentryEvents.push(payload as Record<string, any>)
      return {}
    },
    flush: async () => true,
  }
}
