import { readFileSync } from "node:fs";
import JSON5 from "json5";
import { resolveStateDir } from "../../config/paths.js";
import { APPROVAL_DECISIONS, ApprovalsFileError, ApprovalsFileStore, approvalsFileView, type ApprovalsFileView } from "../../agents/tools/approvals/index.js";
import { approvalsFilePath } from "../../agents/tools/approvals/approvals-file.js";
import { Scope } from "../../protocol/scopes.js";
import { CliError, printJson } from "../exit.js";
import { formatDuration } from "../format-duration.js";
import { resolveTarget, withClient, type ClientFlags } from "../connection.js";
import { resolveNodeRef } from "../node-ref.js";

type PendingApproval = { id: string; request: { command?: string; agentId?: string | null; sessionKey?: string | null; cwd?: string | null; host?: string }; createdAtMs: number; expiresAtMs: number };

function call<T>(flags: ClientFlags, scopes: string[], method: string, params: unknown): Promise<T> {
  const target = resolveTarget(flags);
  return withClient(target, { scopes }, (client) => client.request<T>(method, params, target.timeoutMs));
}

/** `openclaw approvals pending`: what waits for an answer right now (live gateway state). */
export async function approvalsPendingCommand(flags: ClientFlags): Promise<void> {
  const pending = await call<PendingApproval[]>(flags, [Scope.approvals], "exec.approval.list", {});
  if (flags.json) {
    printJson({ approvals: pending.map((p) => ({ kind: "exec", id: p.id, summary: p.request.command ?? "", agentId: p.request.agentId ?? null, sessionKey: p.request.sessionKey ?? null, createdAtMs: p.createdAtMs, expiresAtMs: p.expiresAtMs, request: p.request })) });
    return;
  }
  if (pending.length === 0) {
    process.stdout.write("No pending approvals.\n");
    return;
  }
  const now = Date.now();
  for (const p of pending) {
    const command = (p.request.command ?? "").replace(/\s+/g, " ");
    process.stdout.write(
      `${p.id}  exec  agent=${p.request.agentId ?? "-"}  age ${formatDuration(Math.max(0, now - p.createdAtMs))}  expires in ${formatDuration(Math.max(0, p.expiresAtMs - now))}\n` +
        `    ${command.length > 160 ? `${command.slice(0, 159)}…` : command}${p.request.cwd ? `\n    in ${p.request.cwd}` : ""}\n`,
    );
  }
  process.stdout.write(`Resolve one with: openclaw approvals resolve <id> allow-once|allow-always|deny\n`);
}

/** `openclaw approvals resolve <id> <decision>` (and the `approve` / `deny` shorthands). */
export async function approvalsResolveCommand(id: string, decision: string, flags: ClientFlags & { reason?: string }): Promise<void> {
  if (!(APPROVAL_DECISIONS as readonly string[]).includes(decision)) throw new CliError(`Invalid decision "${decision}": use ${APPROVAL_DECISIONS.join(", ")}.`);
  const result = await call<{ ok: boolean; id: string; decision: string; alreadyResolved?: boolean }>(flags, [Scope.approvals], "exec.approval.resolve", { id, decision });
  if (flags.json) printJson(result);
  else process.stdout.write(`${result.alreadyResolved ? "Already resolved (same decision)" : "Resolved"}: ${id} → ${decision}${flags.reason ? ` (${flags.reason})` : ""}\n`);
}

type GetFlags = ClientFlags & { gateway?: boolean; node?: string };

function localStore(): ApprovalsFileStore {
  return new ApprovalsFileStore(approvalsFilePath(resolveStateDir()));
}

function printFile(view: ApprovalsFileView, json: boolean | undefined): void {
  if (json) return printJson(view);
  process.stdout.write(`Exec approvals: ${view.path}${view.exists ? "" : " (not created yet: defaults apply)"}\nHash: ${view.hash}\n`);
  if (view.problem) process.stdout.write(`Problem: ${view.problem}\n`);
  process.stdout.write(JSON.stringify(view.file, null, 2) + "\n");
}

/** `openclaw approvals get`: the local approvals file, with `--gateway` the running gateway's, with `--node` a node's. */
export async function approvalsGetCommand(flags: GetFlags): Promise<void> {
  if (flags.node) {
    const target = resolveTarget(flags);
    const view = await withClient(target, { scopes: [Scope.admin] }, async (client) =>
      client.request<ApprovalsFileView>("exec.approvals.node.get", { nodeId: await resolveNodeRef(client, flags.node!, target.timeoutMs) }, target.timeoutMs),
    );
    printFile(view, flags.json);
    return;
  }
  if (flags.gateway || flags.url || flags.port) {
    printFile(await call<ApprovalsFileView>(flags, [Scope.admin], "exec.approvals.get", {}), flags.json);
    return;
  }
  printFile(approvalsFileView(await localStore().read()), flags.json);
}

function readDocument(flags: { file?: string; stdin?: boolean }): unknown {
  if (Boolean(flags.file) === Boolean(flags.stdin)) throw new CliError("Use either --file <path> or --stdin.");
  let text: string;
  try {
    text = flags.file ? readFileSync(flags.file, "utf8") : readFileSync(0, "utf8");
  } catch (err) {
    throw new CliError(`Cannot read ${flags.file ?? "stdin"}: ${(err as Error).message}`);
  }
  try {
    return JSON5.parse(text);
  } catch (err) {
    throw new CliError(`The approvals document is not JSON5: ${(err as Error).message}`);
  }
}

/** `openclaw approvals set --file <path> | --stdin`: replaces the document, refusing if it changed meanwhile. */
export async function approvalsSetCommand(flags: GetFlags & { file?: string; stdin?: boolean }): Promise<void> {
  const document = readDocument(flags);
  let view: ApprovalsFileView;
  if (flags.node) {
    const target = resolveTarget(flags);
    view = await withClient(target, { scopes: [Scope.admin] }, async (client) => {
      const nodeId = await resolveNodeRef(client, flags.node!, target.timeoutMs);
      const current = await client.request<ApprovalsFileView>("exec.approvals.node.get", { nodeId }, target.timeoutMs);
      return client.request<ApprovalsFileView>("exec.approvals.node.set", { nodeId, file: document, baseHash: current.hash }, target.timeoutMs);
    });
  } else if (flags.gateway || flags.url || flags.port) {
    const target = resolveTarget(flags);
    view = await withClient(target, { scopes: [Scope.admin] }, async (client) => {
      const current = await client.request<ApprovalsFileView>("exec.approvals.get", {}, target.timeoutMs);
      return client.request<ApprovalsFileView>("exec.approvals.set", { file: document, baseHash: current.hash }, target.timeoutMs);
    });
  } else {
    const store = localStore();
    try {
      const snapshot = await store.replace(document, (await store.read()).hash);
      view = approvalsFileView(snapshot);
    } catch (err) {
      if (err instanceof ApprovalsFileError) throw new CliError(err.message);
      throw err;
    }
  }
  if (flags.json) printJson(view);
  else process.stdout.write(`Saved ${view.path} (hash ${view.hash.slice(0, 12)})\n`);
}

type Grant = { grantId: string; agentId: string; pattern: string; command: string | null; lastUsedAt: number | null; state: string };

export async function approvalsGrantsListCommand(flags: ClientFlags & { limit?: string }): Promise<void> {
  const limit = flags.limit === undefined ? undefined : Number(flags.limit);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 500)) throw new CliError(`Invalid --limit "${flags.limit}" (1-500).`);
  const { grants } = await call<{ grants: Grant[] }>(flags, [Scope.approvals], "exec.approval.grants.list", limit === undefined ? {} : { limit });
  if (flags.json) return printJson({ grants });
  if (grants.length === 0) {
    process.stdout.write("No standing grants.\n");
    return;
  }
  const now = Date.now();
  for (const g of grants) {
    const used = g.lastUsedAt ? `used ${formatDuration(Math.max(0, now - g.lastUsedAt))} ago` : "never used";
    process.stdout.write(`${g.grantId}  agent=${g.agentId}  ${g.state} (until revoked)  ${used}\n    ${g.command ?? g.pattern}\n`);
  }
}

export async function approvalsGrantsRevokeCommand(grantId: string, flags: ClientFlags): Promise<void> {
  const result = await call<{ ok: boolean; grantId: string; revoked: boolean }>(flags, [Scope.approvals], "exec.approval.grants.revoke", { grantId });
  if (flags.json) printJson(result);
  else process.stdout.write(result.revoked ? `Revoked ${grantId}; the next run of that command asks again.\n` : `No grant ${grantId} (already revoked?).\n`);
}
