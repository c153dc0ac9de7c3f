import { CliError, printJson } from "../exit.js";
import { resolveTarget, withClient, type ClientFlags } from "../connection.js";

type Pending = { requestId: string; deviceId: string; displayName?: string; clientId: string; role: string; scopes: string[]; reason?: string; remoteIp?: string; isRepair?: boolean; ts: number };
type Paired = { deviceId: string; label?: string; displayName?: string; clientId: string; roles: string[]; connected?: boolean; lastSeenAtMs?: number; tokens?: Array<{ role: string; scopes: string[]; revokedAtMs?: number }> };
type PairList = { pending: Pending[]; paired: Paired[] };

const PAIRING = ["operator.pairing"];
const ADMIN = ["operator.admin", "operator.pairing"];

function nameOf(d: { label?: string; displayName?: string; clientId: string; deviceId: string }): string {
  return d.label ?? d.displayName ?? d.clientId ?? d.deviceId;
}

function ago(ms: number | undefined): string {
  if (!ms) return "never";
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  return s < 60 ? `${s}s ago` : s < 3600 ? `${Math.round(s / 60)}m ago` : s < 86_400 ? `${Math.round(s / 3600)}h ago` : `${Math.round(s / 86_400)}d ago`;
}

export function formatDeviceList(list: PairList): string {
  const lines: string[] = [];
  lines.push(list.pending.length === 0 ? "Pending: none" : `Pending (${list.pending.length}):`);
  for (const p of list.pending) {
    const paired = list.paired.find((d) => d.deviceId === p.deviceId);
    const approved = paired ? ` · approved now: ${paired.roles.join(",")}` : "";
    lines.push(`  ${p.requestId}  ${p.displayName ?? p.clientId} (${p.deviceId.slice(0, 12)}…) wants ${p.role}${p.scopes.length ? ` [${p.scopes.join(", ")}]` : ""}${p.reason ? ` · ${p.reason}` : ""}${approved}${p.remoteIp ? ` · from ${p.remoteIp}` : ""}`);
  }
  lines.push(list.paired.length === 0 ? "Paired: none" : `Paired (${list.paired.length}):`);
  for (const d of list.paired) {
    lines.push(`  ${d.deviceId.slice(0, 12)}…  ${nameOf(d)}  roles ${d.roles.join(",")}  ${d.connected ? "connected" : `last seen ${ago(d.lastSeenAtMs)}`}`);
  }
  if (list.pending.length > 0) lines.push(`Approve with: openclaw devices approve <requestId>`);
  return lines.join("\n");
}

/** `openclaw devices list`. */
export async function devicesListCommand(flags: ClientFlags): Promise<void> {
  const target = resolveTarget(flags);
  const list = await withClient(target, { scopes: PAIRING }, (client) => client.request<PairList>("device.pair.list", {}));
  if (flags.json) printJson(list);
  else process.stdout.write(formatDeviceList(list) + "\n");
}

/** `openclaw devices approve [requestId] [--latest]`: without an id it only shows the newest request. */
export async function devicesApproveCommand(requestId: string | undefined, flags: ClientFlags & { latest?: boolean }): Promise<void> {
  const target = resolveTarget(flags);
  await withClient(target, { scopes: ADMIN }, async (client) => {
    if (!requestId || flags.latest) {
      const list = await client.request<PairList>("device.pair.list", {});
      const newest = [...list.pending].sort((a, b) => b.ts - a.ts)[0];
      if (!newest) throw new CliError("no pending device pairing requests");
      process.stdout.write(`Newest request: ${newest.requestId} from ${newest.displayName ?? newest.clientId} (${newest.deviceId.slice(0, 12)}…) wants ${newest.role}\n`);
      throw new CliError(`to approve it, run: openclaw devices approve ${newest.requestId}`);
    }
    const result = await client.request<{ requestId: string; device: Paired }>("device.pair.approve", { requestId });
    if (flags.json) printJson(result);
    else process.stdout.write(`Approved ${nameOf(result.device)} (${result.device.deviceId.slice(0, 12)}…) for ${result.device.roles.join(", ")}.\n`);
  });
}

/** `openclaw devices reject <requestId>`. */
export async function devicesRejectCommand(requestId: string, flags: ClientFlags): Promise<void> {
  const target = resolveTarget(flags);
  const result = await withClient(target, { scopes: PAIRING }, (client) => client.request<{ requestId: string; deviceId: string }>("device.pair.reject", { requestId }));
  if (flags.json) printJson(result);
  else process.stdout.write(`Rejected request ${result.requestId} (device ${result.deviceId.slice(0, 12)}…).\n`);
}

/** `openclaw devices remove <deviceId>`. */
export async function devicesRemoveCommand(deviceId: string, flags: ClientFlags): Promise<void> {
  const target = resolveTarget(flags);
  const result = await withClient(target, { scopes: ADMIN }, (client) => client.request<{ deviceId: string }>("device.pair.remove", { deviceId }));
  if (flags.json) printJson(result);
  else process.stdout.write(`Removed device ${result.deviceId}; its connections were closed and its tokens no longer work.\n`);
}

/** `openclaw devices rename --device <id> --name <label>`. */
export async function devicesRenameCommand(flags: ClientFlags & { device?: string; name?: string }): Promise<void> {
  if (!flags.device) throw new CliError("--device is required");
  const label = flags.name?.trim();
  if (!label) throw new CliError("--name is required");
  if (label.length > 64) throw new CliError("--name is at most 64 characters");
  const target = resolveTarget(flags);
  const result = await withClient(target, { scopes: ADMIN }, (client) => client.request<{ deviceId: string; label: string }>("device.pair.rename", { deviceId: flags.device, label }));
  if (flags.json) printJson(result);
  else process.stdout.write(`Device ${result.deviceId.slice(0, 12)}… is now "${result.label}".\n`);
}

/** `openclaw devices rotate --device <id> --role <role> [--scope …]`. */
export async function devicesRotateCommand(flags: ClientFlags & { device?: string; role?: string; scope?: string[]; scopes?: boolean }): Promise<void> {
  if (!flags.device || !flags.role) throw new CliError("--device and --role are required");
  if (flags.scopes === false && flags.scope?.length) throw new CliError("--no-scopes cannot be combined with --scope");
  const scopes = flags.scopes === false ? { scopes: [] } : flags.scope?.length ? { scopes: flags.scope } : {};
  const target = resolveTarget(flags);
  const result = await withClient(target, { scopes: ADMIN }, (client) =>
    client.request<{ deviceId: string; role: string; scopes: string[]; token?: string }>("device.token.rotate", { deviceId: flags.device, role: flags.role, ...scopes }),
  );
  if (flags.json) printJson(result);
  else process.stdout.write(`Rotated the ${result.role} token of ${result.deviceId.slice(0, 12)}… (scopes: ${result.scopes.join(", ") || "none"}); the old token no longer works.${result.token ? `\nNew token (secret): ${result.token}` : ""}\n`);
}

/** `openclaw devices revoke --device <id> --role <role>`. */
export async function devicesRevokeCommand(flags: ClientFlags & { device?: string; role?: string }): Promise<void> {
  if (!flags.device || !flags.role) throw new CliError("--device and --role are required");
  const target = resolveTarget(flags);
  const result = await withClient(target, { scopes: ADMIN }, (client) => client.request<{ deviceId: string; role: string }>("device.token.revoke", { deviceId: flags.device, role: flags.role }));
  if (flags.json) printJson(result);
  else process.stdout.write(`Revoked the ${result.role} token of ${result.deviceId.slice(0, 12)}…; its connections were closed.\n`);
}
