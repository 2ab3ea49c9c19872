/**
 * posthog-node's preview `__preview_capture_bot_pageviews`: a `$pageview` whose `$raw_user_agent`
 * is a bot's is sent as `$bot_pageview` with `$browser_type: 'bot'`. Its own module, imported by
 * the capturer only when the option is on, so that no other program carries the list.
 */
import type { WireEvent } from '../event.js'

const BOT_USER_AGENTS: readonly string[] = (
  'ahrefsbot|ahrefssiteaudit|amazonbot|applebot|baiduspider|bingbot|bingpreview|bot.htm|bot.php|' +
  'bytespider|ccbot|chatgpt-user|claudebot|crawler|duckduckbot|facebookexternalhit|facebookcatalog|' +
  'gptbot|googlebot|google-inspectiontool|googleother|headlesschrome|hubspot|linkedinbot|mj12bot|' +
  'msnbot|perplexitybot|petalbot|pinterest|prerender|rogerbot|semrushbot|sitebulb|slurp|' +
  'twitterbot|yandexbot|yahoo! slurp|spider|phantomjs|lighthouse|gtmetrix|uptimerobot|pingdom'
).split('|')

/** Renames the event when its user agent contains a known bot's substring or one of `extra` (lower-cased). */
export function markBotPageview(wire: WireEvent, extra: readonly string[]): void {
  const agent = wire.properties.$raw_user_agent
  if (typeof agent !== 'string') return
  const lower = agent.toLowerCase()
  const isBot = (bot: string): boolean => lower.includes(bot)
  if (!BOT_USER_AGENTS.some(isBot) && !extra.some(isBot)) return
  wire.event = '$bot_pageview'
  wire.properties.$browser_type = 'bot'
}
