import type { ControlClient } from './control.mjs'
export const PROJECT_KEY: string
export const PERSONAL_KEY: string
export const FLAGS: { group_type_mapping: Record<string, string>; flags: unknown[] }
export const SCENARIOS: Record<string, (env: unknown, control: ControlClient) => Promise<unknown>>
export function runScenario(name: string, env: unknown): Promise<{ name: string; ok: boolean; observed?: unknown; error?: string }>
export function verifyAfterResponse(control: ControlClient, expectations: Array<{ distinctId: string; count: number }>): Promise<string | undefined>
