/** Nicks tried in all (the configured one included) before registration gives up. */
export const MAX_NICK_ATTEMPTS = 8;

/**
 * The nick to try after the server refused `attempt` nicks (433 in use, 436 collision, 437
 * unavailable): `nick_`, `nick__`, then `nick` with three random digits.
 */
export function fallbackNick(nick: string, attempt: number, random: () => number = Math.random): string {
  if (attempt === 1) return `${nick}_`;
  if (attempt === 2) return `${nick}__`;
  return `${nick}${String(Math.floor(random() * 1000)).padStart(3, "0")}`;
}
