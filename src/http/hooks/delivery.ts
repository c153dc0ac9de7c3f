/** Where a hook run's reply is announced: nowhere in particular (completion only), or one channel recipient. */
export type HookDelivery = { kind: "none" } | { kind: "channel"; channel: string; to: string; accountId?: string };

export type DeliveryChoice = { ok: true; delivery: HookDelivery } | { ok: false; message: string };

export type DirectDeliveryFields = { deliver: boolean; channel?: string; to?: string; accountId?: string };

const blank = (value: string | undefined) => value === undefined || value.trim() === "";

/**
 * Direct `/agent` delivery: `deliver: false` ignores the destination fields; otherwise none of them
 * means completion only, and a destination needs a concrete channel and a recipient together.
 */
export function directDelivery(fields: DirectDeliveryFields): DeliveryChoice {
  if (!fields.deliver) return { ok: true, delivery: { kind: "none" } };
  const noChannel = blank(fields.channel);
  const noTo = blank(fields.to);
  if (!blank(fields.accountId) && (noChannel || noTo)) return { ok: false, message: "accountId requires channel and to" };
  if (noChannel && noTo) return { ok: true, delivery: { kind: "none" } };
  if (fields.channel?.trim().toLowerCase() === "last") {
    return { ok: false, message: 'channel "last" is not allowed for direct hook delivery; name a channel and a recipient (to)' };
  }
  if (noChannel || noTo) return { ok: false, message: "channel and to must be supplied together for hook delivery" };
  const accountId = fields.accountId?.trim();
  return { ok: true, delivery: { kind: "channel", channel: fields.channel!.trim().toLowerCase(), to: fields.to!.trim(), ...(accountId ? { accountId } : {}) } };
}

/** Mapped delivery: `last` (the default) has no recorded route to follow here, so it is completion only. */
export function mappedDelivery(deliver: boolean, channel: string, to: string | undefined): DeliveryChoice {
  if (!deliver || channel.trim().toLowerCase() === "last") return { ok: true, delivery: { kind: "none" } };
  return { ok: true, delivery: { kind: "channel", channel: channel.trim().toLowerCase(), to: to?.trim() ?? "" } };
}

/** No chat channels run in this gateway yet, so any concrete destination is refused before dispatch. */
export function deliveryUnavailable(delivery: HookDelivery): string | null {
  if (delivery.kind === "none") return null;
  return `delivery channel "${delivery.channel}" is not available on this gateway (no chat channels are running); omit channel and to, or set deliver: false`;
}
