/** The batch endpoints, apart from the pipeline, for the modules that name them without it (spool wiring, crash delivery). */
export const BATCH_PATH = '/batch/'
export const AI_PATH = '/i/v0/ai/batch/'
