import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type BrowserContext } from 'playwright-core'
import { PostHog } from 'hoglet'
import { afterAll, describe, expect, it } from 'vitest'
import { startTestServer } from './helpers.js'

const CHROMIUM = '/usr/bin/chromium'
const hasChromium = existsSync(CHROMIUM)
if (!hasChromium) console.warn(`web page end-to-end test skipped: ${CHROMIUM} is not installed (apt-get install chromium)`)

const outputDir = fileURLToPath(new URL('../../../test-output/', import.meta.url))

describe.skipIf(!hasChromium)('web page in headless Chromium', () => {
  const profile = mkdtempSync(join(tmpdir(), 'hoglet-chromium-'))
  let context: BrowserContext | undefined
  afterAll(async () => {
    await context?.close()
    rmSync(profile, { recursive: true, force: true })
  })

  it('shows an event captured through the SDK live, and evaluates a flag from the page', async () => {
    const server = await startTestServer({ flagsFile: fileURLToPath(new URL('../examples/flags.yaml', import.meta.url)) })
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 800 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    })
    const page = context.pages()[0] ?? (await context.newPage())
    await page.goto(server.pageUrl)
    // The page is subscribed to live updates before anything is captured.
    await page.locator('#live.on').waitFor({ timeout: 15_000 })
    expect(await page.locator('#events').textContent()).toContain('No events yet')

    const posthog = new PostHog('phc_e2e', { host: server.url, flushAt: 1, flushInterval: 50 })
    posthog.identify({ distinctId: 'e2e-user', properties: { plan: 'pro', email: 'e2e@hoglet.dev' } })
    posthog.capture({ distinctId: 'e2e-user', event: 'browser test event', properties: { step: 'checkout', total: 99 } })
    await posthog.shutdown(10_000)

    const row = page.locator('#events tr', { hasText: 'browser test event' })
    await row.waitFor({ timeout: 15_000 })
    expect(await page.locator('#stat-events').textContent()).toBe('2')
    await row.click()
    await page.locator('#event-detail pre', { hasText: '"step": "checkout"' }).waitFor({ timeout: 5_000 })
    mkdirSync(outputDir, { recursive: true })
    await page.screenshot({ path: join(outputDir, 'hoglet-server-events.png') })

    await page.getByRole('button', { name: 'Feature flags' }).click()
    await page.fill('#evaluate-id', 'e2e-user')
    await page.getByRole('button', { name: 'Evaluate', exact: true }).click()
    const support = page.locator('tr[data-flag="priority-support"] .flag-value')
    await page.waitForFunction(() => document.querySelector('tr[data-flag="priority-support"] .flag-value')?.textContent === 'true', null, { timeout: 10_000 })
    expect(await support.textContent()).toBe('true')
    // hoglet.dev addresses are forced into the experiment's `test` variant by the sample file.
    expect(await page.locator('tr[data-flag="checkout-experiment"] .flag-value').textContent()).toBe('test')
    await page.screenshot({ path: join(outputDir, 'hoglet-server-flags.png') })

    // A burst keeps the page busy fetching; it must still end up showing every event.
    const burst = new PostHog('phc_e2e', { host: server.url, flushAt: 20, flushInterval: 10 })
    for (let i = 0; i < 300; i++) burst.capture({ distinctId: `burst-${i % 7}`, event: 'burst event', properties: { i } })
    await burst.shutdown(10_000)
    await page.waitForFunction(() => document.getElementById('stat-events')?.textContent === '302', null, { timeout: 15_000 })
    await page.getByRole('button', { name: 'Events', exact: true }).click()
    await page.locator('#events tr', { hasText: 'burst event' }).first().waitFor({ timeout: 5_000 })

    await page.getByRole('button', { name: 'Persons', exact: true }).click()
    await page.locator('#persons .card', { hasText: 'e2e@hoglet.dev' }).waitFor({ timeout: 5_000 })
    await page.screenshot({ path: join(outputDir, 'hoglet-server-persons.png') })
  }, 90_000)
})
