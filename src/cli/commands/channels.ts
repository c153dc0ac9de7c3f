import { randomUUID } from "node:crypto";
import { CliError, printJson } from "../exit.js";
import { resolveTarget, withClient, type ClientFlags } from "../connection.js";
import type { AccountStatus, ChannelsStatus } from "../../channels/status-types.js";


function ago(ms: number | null | undefined): string {
  if (!ms) return "never";
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  return s < 60 ? `${s}s ago` : s < 3600 ? `${Math.round(s / 60)}m ago` : `${Math.round(s / 3600)}h ago`;
}

function accountLine(a: AccountStatus): string {
  const state = !a.configured ? "not configured" : !a.enabled ? "disabled" : a.connected ? "connected" : a.running ? (a.healthState === "stale" ? "stale" : "reconnecting") : (a.lifecycle ?? "stopped");
  const parts = [`  ${a.accountId}: ${state}`];
  if (a.reconnectAttempts) parts.push(`reconnects ${a.reconnectAttempts}`);
  if (a.configured) parts.push(`last inbound ${ago(a.lastInboundAt)}`);
  if (a.probe) parts.push(a.probe.ok ? `probe: works (${a.probe.elapsedMs ?? 0}ms)` : `probe failed: ${a.probe.error ?? "unknown"}`);
  if (a.lastError && !a.connected) parts.push(`error: ${a.lastError}`);
  return parts.join(" · ");
}

export function formatChannelsStatus(status: ChannelsStatus): string {
  if (status.channelOrder.length === 0) return "No channels configured. Add one under `channels` in the config (telegram, whatsapp, irc).";
  const lines: string[] = [];
  for (const id of status.channelOrder) {
    lines.push(`${status.channelLabels[id] ?? id}`);
    for (const a of status.channelAccounts[id] ?? []) lines.push(accountLine(a));
  }
  for (const issue of status.statusIssues ?? []) if (issue.fix) lines.push(`Fix ${issue.channel}/${issue.accountId}: ${issue.fix}`);
  return lines.join("\n");
}

/** `openclaw channels status [--probe] [--channel x]`. */
export async function channelsStatusCommand(flags: ClientFlags & { probe?: boolean; channel?: string }): Promise<void> {
  const target = resolveTarget(flags);
  const params = { ...(flags.probe ? { probe: true } : {}), ...(flags.channel ? { channel: flags.channel } : {}), timeoutMs: Math.min(30_000, target.timeoutMs) };
  const status = await withClient(target, { scopes: ["operator.read"] }, (client) => client.request<ChannelsStatus>("channels.status", params, target.timeoutMs + 5000));
  if (flags.json) printJson(status);
  else process.stdout.write(formatChannelsStatus(status) + "\n");
}

function accountParam(account: string | undefined): { accountId?: string } {
  if (account === undefined) return {};
  if (!account.trim()) throw new CliError("--account must not be blank");
  return { accountId: account.trim() };
}

/** `openclaw channels logout --channel whatsapp [--account id]`. */
export async function channelsLogoutCommand(flags: ClientFlags & { channel?: string; account?: string }): Promise<void> {
  const channel = flags.channel ?? "whatsapp";
  const target = resolveTarget(flags);
  const result = await withClient(target, { scopes: ["operator.admin"] }, (client) =>
    client.request<{ cleared: boolean; message?: string }>("channels.logout", { channel, ...accountParam(flags.account) }),
  );
  if (flags.json) printJson(result);
  else process.stdout.write(result.cleared ? `Logged out of ${channel}; stored credentials removed.\n` : `${result.message ?? `No stored ${channel} login to clear.`}\n`);
}

/** `openclaw channels login --channel whatsapp`: shows the QR in the terminal until the phone links. */
export async function channelsLoginCommand(flags: ClientFlags & { channel?: string; account?: string; force?: boolean }): Promise<void> {
  const channel = flags.channel ?? "whatsapp";
  const target = resolveTarget({ ...flags, timeout: flags.timeout ?? "180000" });
  await withClient(target, { scopes: ["operator.admin"] }, async (client) => {
    const params = { channel, ...accountParam(flags.account) };
    const started = await client.request<{ qr?: string; message: string }>("web.login.start", { ...params, force: flags.force === true, timeoutMs: 30_000 }, 40_000);
    let shown = started.qr ?? null;
    if (shown) await printQr(shown);
    process.stdout.write(`${started.message}\n`);
    const deadline = Date.now() + target.timeoutMs;
    while (Date.now() < deadline) {
      // Short waits: a wait answers with the current code when it ends, so a new one shows within seconds.
      const waited = await client.request<{ connected: boolean; message: string; qr?: string }>("web.login.wait", { ...params, timeoutMs: 3000 }, 15_000);
      if (waited.connected) {
        process.stdout.write(`Linked: ${waited.message}\n`);
        return;
      }
      if (waited.qr && waited.qr !== shown) {
        shown = waited.qr;
        process.stdout.write("The code was refreshed; scan the new one:\n");
        await printQr(shown);
      }
    }
    throw new CliError("no phone linked before the timeout; run the command again for a new code");
  });
}

async function printQr(qr: string): Promise<void> {
  const { default: qrcode } = await import("qrcode");
  process.stdout.write((await qrcode.toString(qr, { type: "terminal", small: true })) + "\n");
  process.stdout.write("Scan it with WhatsApp: Settings → Linked devices → Link a device.\n");
}

/** `openclaw message send --channel irc --target '#ops' --message hi`. */
export async function messageSendCommand(flags: ClientFlags & { channel?: string; account?: string; target?: string; to?: string; message?: string; threadId?: string }): Promise<void> {
  const to = flags.target ?? flags.to;
  if (!to) throw new CliError("say where to send with --target (chat id, #channel, nick or phone number)");
  if (!flags.message?.trim()) throw new CliError("--message is required");
  const target = resolveTarget(flags);
  const result = await withClient(target, { scopes: ["operator.write"] }, (client) =>
    client.request<{ channel: string; conversationId: string; messageId: string | null; queued: boolean }>(
      "send",
      { to, message: flags.message, ...(flags.channel ? { channel: flags.channel } : {}), ...accountParam(flags.account), ...(flags.threadId ? { threadId: flags.threadId } : {}), idempotencyKey: randomUUID() },
      target.timeoutMs + 20_000,
    ),
  );
  if (flags.json) printJson(result);
  else process.stdout.write(result.queued ? `Queued for ${result.channel} ${result.conversationId}; it is sent once the channel reconnects.\n` : `Sent to ${result.channel} ${result.conversationId}${result.messageId ? ` (message ${result.messageId})` : ""}.\n`);
}

type PairingList = { requests: Array<{ requestId: string; channel: string; accountId: string; senderId: string; senderLabel: string; expiresAt: string }> };

/** `openclaw pairing list [channel]`. */
export async function pairingListCommand(channel: string | undefined, flags: ClientFlags & { channel?: string; account?: string }): Promise<void> {
  const wanted = channel ?? flags.channel;
  const target = resolveTarget(flags);
  const list = await withClient(target, { scopes: ["operator.pairing"] }, (client) =>
    client.request<PairingList>("channels.pairing.list", { ...(wanted ? { channel: wanted } : {}), ...accountParam(flags.account) }),
  );
  if (flags.json) return printJson(list);
  if (list.requests.length === 0) return void process.stdout.write("No pending pairing requests.\n");
  for (const r of list.requests) {
    process.stdout.write(`${r.requestId}  ${r.channel}/${r.accountId}  ${r.senderLabel} (${r.senderId})  expires ${r.expiresAt}\n`);
  }
}

/** `openclaw pairing approve [channel] <code> [--notify]`. */
export async function pairingApproveCommand(first: string, second: string | undefined, flags: ClientFlags & { channel?: string; account?: string; notify?: boolean }): Promise<void> {
  const code = (second ?? first).trim().toUpperCase();
  const channel = second ? first : flags.channel;
  const target = resolveTarget(flags);
  const result = await withClient(target, { scopes: ["operator.pairing"] }, async (client) => {
    const list = await client.request<PairingList>("channels.pairing.list", { ...(channel ? { channel } : {}), ...accountParam(flags.account) });
    const request = list.requests.find((r) => r.requestId === code);
    if (!request) throw new CliError(`no pending pairing request with code ${code}${channel ? ` on ${channel}` : ""} (codes expire after an hour; \`openclaw pairing list\` shows the pending ones)`);
    return client.request<{ senderId: string; notification: string }>("channels.pairing.approve", { channel: request.channel, accountId: request.accountId, requestId: code, notify: flags.notify === true });
  });
  if (flags.json) printJson(result);
  else process.stdout.write(`Approved ${result.senderId}: their direct messages now reach the assistant${result.notification === "sent" ? " (they were told)" : ""}.\n`);
}
