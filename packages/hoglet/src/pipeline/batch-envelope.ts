/**
 * The `/batch/` body around the events: `{"api_key":…,"batch":[` before them, then
 * `],"historical_migration":true,"sent_at":"` (without `historical_migration` unless the option
 * is on), the send time and `"}` after them.
 */
export interface BatchEnvelope {
  readonly opening: string
  /** Up to the opening quote of `sent_at`'s value. */
  readonly closing: string
}

export function batchEnvelope(apiKey: string, historicalMigration: boolean): BatchEnvelope {
  return {
    opening: `{"api_key":${JSON.stringify(apiKey)},"batch":[`,
    closing: historicalMigration ? '],"historical_migration":true,"sent_at":"' : '],"sent_at":"',
  }
}

/** Room left for the envelope around a batch's events (`api_key`, `historical_migration`, `sent_at`), in bytes. */
export const ENVELOPE_ROOM_BYTES = 1024
