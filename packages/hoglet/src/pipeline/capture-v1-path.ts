/** Capture v1's endpoint, apart from its sender (`capture-v1.ts`), which loads only when a v1 batch is sent. */
export const CAPTURE_V1_PATH = '/i/v1/analytics/events'
