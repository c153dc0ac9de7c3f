import type { ChannelView } from "../channels/manager.js";
import type { GatewayContext } from "./context.js";

/** The configured channels as health, status and channels.status show them. */
export function channelViews(gateway: GatewayContext, filter?: string): ChannelView[] {
  return gateway.channels?.views(filter) ?? [];
}

/** One line per channel for `status`: "IRC: connected (1/1 accounts)". */
export function channelLine(view: ChannelView): string {
  if (view.blocked) return `${view.label}: not running (${view.blocked})`;
  const connected = view.accounts.filter((a) => a.connected).length;
  const problem = view.accounts.find((a) => a.lastError)?.lastError;
  const state = connected === view.accounts.length ? "connected" : connected > 0 ? "partly connected" : "not connected";
  return `${view.label}: ${state} (${connected}/${view.accounts.length} account${view.accounts.length === 1 ? "" : "s"})${problem && connected < view.accounts.length ? `: ${problem}` : ""}`;
}
