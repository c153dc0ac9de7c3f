/**
 * One connection per bot token in this process. Two pollers on one token make Telegram answer
 * each with 409 in turn (and two webhooks overwrite each other), so the second is refused up front.
 */
type Holder = { accountId: string; mode: "polling" | "webhook" };

const holders = new Map<string, Holder>();

export type TokenClaim = { release(): void };

/** Throws when another connection holds the token; the error is fatal when another account holds it. */
export function claimToken(token: string, holder: Holder): TokenClaim {
  const current = holders.get(token);
  if (current) {
    const doing = current.mode === "webhook" ? "receives webhooks for" : "polls";
    const err = new Error(
      current.accountId === holder.accountId
        ? `Telegram: the previous connection of account "${holder.accountId}" still ${doing} this bot token`
        : `Telegram: another account in this gateway already ${doing} this bot token (account "${current.accountId}")`,
    );
    if (current.accountId !== holder.accountId) (err as Error & { fatal?: boolean }).fatal = true;
    throw err;
  }
  const mine = { ...holder };
  holders.set(token, mine);
  return {
    release() {
      if (holders.get(token) === mine) holders.delete(token);
    },
  };
}
