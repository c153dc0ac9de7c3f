import { randomUUID } from "node:crypto";
import { CliError, printJson } from "../exit.js";
import { resolveTarget, withClient, type ClientFlags } from "../connection.js";
import { resolveNodeRef } from "../node-ref.js";

type NodeEntry = {
  nodeId: string;
  displayName?: string;
  platform?: string;
  version?: string;
  remoteIp?: string;
  caps?: string[];
  commands?: string[];
  pathEnv?: string;
  approvalState?: string;
  pendingRequestId?: string;
  declaredCommands?: string[];
  connectedAtMs?: number;
  lastSeenAtMs?: number;
  lastSeenReason?: string;
  approvedAtMs?: number;
  paired: boolean;
  connected: boolean;
};
type NodeList = { ts: number; nodes: NodeEntry[] };
type Pending = { requestId: string; nodeId: string; displayName?: string; clientId: string; platform?: string; remoteIp?: string; caps: string[]; commands: string[]; requiredApproveScopes: string[]; ts: number };
type Paired = { nodeId: string; displayName?: string; platform?: string; caps: string[]; commands: string[]; approvedAtMs: number; lastSeenAtMs?: number; connected?: boolean };
type PairList = { pending: Pending[]; paired: Paired[] };

const READ = ["operator.read", "operator.pairing"];
const PAIRING = ["operator.pairing"];
const APPROVE = ["operator.pairing", "operator.admin"];
const ADMIN_INVOKE = new Set(["browser.proxy", "browser.proxy.upload.v1", "fs.listDir", "terminal.upload"]);

function short(id: string): string {
  return id.length > 16 ? `${id.slice(0, 12)}…` : id;
}

function ago(ms: number | undefined): string {
  if (!ms) return "never";
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  return s < 60 ? `${s}s ago` : s < 3600 ? `${Math.round(s / 60)}m ago` : s < 86_400 ? `${Math.round(s / 3600)}h ago` : `${Math.round(s / 86_400)}d ago`;
}

function list(values: readonly string[] | undefined): string {
  return values && values.length ? values.join(", ") : "none";
}

export function formatNodeStatus(result: NodeList): string {
  if (result.nodes.length === 0) return "Nodes: none";
  const connected = result.nodes.filter((n) => n.connected).length;
  const lines = [`Nodes (${result.nodes.length}, ${connected} connected):`];
  for (const n of result.nodes) {
    const state = n.connected ? `connected ${ago(n.connectedAtMs)}` : `last seen ${ago(n.lastSeenAtMs)}`;
    const approval = n.approvalState === "pending" ? ` · awaiting approval (openclaw nodes approve ${n.pendingRequestId})` : n.paired ? "" : " · not paired";
    lines.push(`  ${short(n.nodeId)}  ${n.displayName ?? n.nodeId}${n.platform ? ` (${n.platform})` : ""}  ${state}  commands: ${n.commands?.length ?? 0}${approval}`);
  }
  return lines.join("\n");
}

export function formatPairList(result: PairList, onlyPending = false): string {
  const lines: string[] = [];
  lines.push(result.pending.length === 0 ? "Pending: none" : `Pending (${result.pending.length}):`);
  for (const p of result.pending) {
    lines.push(`  ${p.requestId}  ${p.displayName ?? p.clientId} (${short(p.nodeId)})${p.remoteIp ? ` from ${p.remoteIp}` : ""}`);
    lines.push(`    caps: ${list(p.caps)}`);
    lines.push(`    commands: ${list(p.commands)}`);
    lines.push(`    approving needs: ${p.requiredApproveScopes.join(" + ")}`);
  }
  if (!onlyPending) {
    lines.push(result.paired.length === 0 ? "Paired: none" : `Paired (${result.paired.length}):`);
    for (const n of result.paired) lines.push(`  ${short(n.nodeId)}  ${n.displayName ?? n.nodeId}  ${n.connected ? "connected" : `last seen ${ago(n.lastSeenAtMs)}`}  commands: ${n.commands.length}`);
  }
  if (result.pending.length > 0) lines.push("Approve with: openclaw nodes approve <requestId>");
  return lines.join("\n");
}

export function formatDescribe(n: NodeEntry): string {
  return [
    `${n.displayName ?? n.nodeId}`,
    `  id: ${n.nodeId}`,
    ...(n.platform ? [`  platform: ${n.platform}${n.version ? ` · version ${n.version}` : ""}`] : []),
    `  state: ${n.connected ? `connected since ${new Date(n.connectedAtMs ?? 0).toISOString()}` : `disconnected, last seen ${ago(n.lastSeenAtMs)}`}`,
    `  approval: ${n.approvalState ?? (n.paired ? "approved" : "unpaired")}${n.pendingRequestId ? ` (request ${n.pendingRequestId})` : ""}`,
    `  caps: ${list(n.caps)}`,
    `  commands: ${list(n.commands)}`,
    ...(n.declaredCommands ? [`  declared, awaiting approval: ${list(n.declaredCommands)}`] : []),
    ...(n.remoteIp ? [`  remote ip: ${n.remoteIp}`] : []),
    ...(n.pathEnv ? [`  PATH: ${n.pathEnv}`] : []),
  ].join("\n");
}

/** `openclaw nodes status`: known nodes, connected first. */
export async function nodesStatusCommand(flags: ClientFlags): Promise<void> {
  const target = resolveTarget(flags);
  const result = await withClient(target, { scopes: READ }, (client) => client.request<NodeList>("node.list", {}));
  if (flags.json) printJson(result);
  else process.stdout.write(formatNodeStatus(result) + "\n");
}

/** `openclaw nodes list`: pending capability requests and paired nodes. */
export async function nodesListCommand(flags: ClientFlags): Promise<void> {
  const target = resolveTarget(flags);
  const result = await withClient(target, { scopes: PAIRING }, (client) => client.request<PairList>("node.pair.list", {}));
  if (flags.json) printJson(result);
  else process.stdout.write(formatPairList(result) + "\n");
}

/** `openclaw nodes pending`. */
export async function nodesPendingCommand(flags: ClientFlags): Promise<void> {
  const target = resolveTarget(flags);
  const result = await withClient(target, { scopes: PAIRING }, (client) => client.request<PairList>("node.pair.list", {}));
  if (flags.json) printJson(result.pending);
  else process.stdout.write(formatPairList(result, true) + "\n");
}

/** `openclaw nodes approve <requestId>`. */
export async function nodesApproveCommand(requestId: string, flags: ClientFlags): Promise<void> {
  const target = resolveTarget(flags);
  const result = await withClient(target, { scopes: APPROVE }, (client) => client.request<{ requestId: string; node: Paired }>("node.pair.approve", { requestId }));
  if (flags.json) printJson(result);
  else process.stdout.write(`Approved ${result.node.displayName ?? result.node.nodeId} (${short(result.node.nodeId)}): ${result.node.commands.length} command(s).\n`);
}

/** `openclaw nodes reject <requestId>`. */
export async function nodesRejectCommand(requestId: string, flags: ClientFlags): Promise<void> {
  const target = resolveTarget(flags);
  const result = await withClient(target, { scopes: PAIRING }, (client) => client.request<{ requestId: string; nodeId: string }>("node.pair.reject", { requestId }));
  if (flags.json) printJson(result);
  else process.stdout.write(`Rejected request ${result.requestId} (node ${short(result.nodeId)}).\n`);
}

/** `openclaw nodes describe <nodeId>`. */
export async function nodesDescribeCommand(nodeId: string, flags: ClientFlags): Promise<void> {
  const target = resolveTarget(flags);
  const result = await withClient(target, { scopes: READ }, (client) => client.request<NodeEntry>("node.describe", { nodeId }));
  if (flags.json) printJson(result);
  else process.stdout.write(formatDescribe(result) + "\n");
}

/** `openclaw nodes invoke --node <id|name|ip> --command <cmd> [--params json] [--invoke-timeout ms]`. */
export async function nodesInvokeCommand(flags: ClientFlags & { node?: string; command?: string; params?: string; invokeTimeout?: string }): Promise<void> {
  if (!flags.node) throw new CliError("--node is required");
  if (!flags.command) throw new CliError("--command is required");
  let params: unknown;
  if (flags.params !== undefined) {
    try {
      params = JSON.parse(flags.params);
    } catch {
      throw new CliError(`--params is not valid JSON: ${flags.params}`);
    }
  }
  const invokeTimeoutMs = flags.invokeTimeout !== undefined ? Number(flags.invokeTimeout) : 15_000;
  if (!Number.isInteger(invokeTimeoutMs) || invokeTimeoutMs <= 0) throw new CliError(`Invalid --invoke-timeout "${flags.invokeTimeout}".`);
  const target = resolveTarget(flags);
  const scopes = ADMIN_INVOKE.has(flags.command) ? ["operator.admin"] : ["operator.write"];
  const result = await withClient(target, { scopes: [...scopes, "operator.read"] }, async (client) =>
    client.request<{ ok: boolean; nodeId: string; command: string; payload: unknown; payloadJSON: string | null }>(
      "node.invoke",
      { nodeId: await resolveNodeRef(client, flags.node!, target.timeoutMs), command: flags.command, ...(params !== undefined ? { params } : {}), idempotencyKey: randomUUID(), timeoutMs: invokeTimeoutMs },
      Math.max(target.timeoutMs, invokeTimeoutMs + 5_000),
    ),
  );
  if (flags.json) printJson(result);
  else process.stdout.write(JSON.stringify(result.payload, null, 2) + "\n");
}

/** `openclaw nodes rename --node <id> --name <name>`. */
export async function nodesRenameCommand(flags: ClientFlags & { node?: string; name?: string }): Promise<void> {
  if (!flags.node) throw new CliError("--node is required");
  const displayName = flags.name?.trim();
  if (!displayName) throw new CliError("--name is required");
  const target = resolveTarget(flags);
  const result = await withClient(target, { scopes: PAIRING }, (client) => client.request<{ nodeId: string; displayName: string }>("node.rename", { nodeId: flags.node, displayName }));
  if (flags.json) printJson(result);
  else process.stdout.write(`Node ${short(result.nodeId)} is now "${result.displayName}".\n`);
}
