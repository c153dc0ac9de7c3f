import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { resolveConfigPath, resolveStateDir } from "../../config/paths.js";
import { readConfigSnapshot } from "../../config/snapshot.js";
import { agentStorePath, resolveAgentsConfig } from "../../agents/agent-config.js";
import { resolveSessionKey } from "../../agents/session-key.js";
import type { AgentStore } from "../../store/types.js";
import { writeFileAtomicSync } from "../../infra/files.js";
import { CliError, printJson } from "../exit.js";
import { formatDuration } from "../format-duration.js";

type ListFlags = { agent?: string; limit?: string; json?: boolean };

/** The sessions CLI reads the state database directly, so it works with the gateway stopped. */
async function withStore<T>(agentId: string, fn: (store: AgentStore, path: string) => T | Promise<T>): Promise<T | null> {
  const path = agentStorePath(resolveStateDir(), agentId);
  if (!existsSync(path)) return null;
  const { openAgentStore } = await import("../../store/agent-store.js");
  const store = await openAgentStore(path);
  try {
    return await fn(store, path);
  } finally {
    store.close();
  }
}

function agentsConfig() {
  return resolveAgentsConfig(readConfigSnapshot(resolveConfigPath()).config, resolveStateDir(), homedir());
}

export async function sessionsListCommand(flags: ListFlags): Promise<void> {
  const config = agentsConfig();
  const agentId = flags.agent?.toLowerCase() ?? config.defaultId;
  const limit = Number(flags.limit ?? 100);
  if (!Number.isInteger(limit) || limit < 1) throw new CliError(`Invalid --limit "${flags.limit}".`);
  const listed = await withStore(agentId, (store, path) => ({ path, ...store.listSessions({ limit, offset: 0 }) }));
  const path = listed?.path ?? agentStorePath(resolveStateDir(), agentId);
  const rows = listed?.rows ?? [];
  if (flags.json) {
    printJson({
      path,
      count: rows.length,
      totalCount: listed?.total ?? 0,
      sessions: rows.map((r) => ({ key: r.key, sessionId: r.sessionId, updatedAt: r.updatedAt, messageCount: r.messageCount, model: r.model, modelProvider: r.modelProvider, inputTokens: r.inputTokens, outputTokens: r.outputTokens, totalTokens: r.totalTokens, status: r.status, label: r.label })),
    });
    return;
  }
  process.stdout.write(`Session store: ${path}\nSessions listed: ${rows.length}${listed && listed.total > rows.length ? ` of ${listed.total}` : ""}\n`);
  const now = Date.now();
  for (const r of rows) {
    const model = r.model ? `${r.modelProvider}/${r.model}` : "-";
    process.stdout.write(`${r.key}  ${formatDuration(now - r.updatedAt)} ago  ${r.messageCount} msgs  ${model}  ${r.totalTokens} tokens${r.label ? `  "${r.label}"` : ""}\n`);
  }
}

export async function sessionsExportCommand(key: string, flags: { agent?: string; out?: string }): Promise<void> {
  const config = agentsConfig();
  const target = resolveSessionKey(key, flags.agent, config.defaultId);
  const { exportLegacyJsonl } = await import("../../store/legacy-export.js");
  const exported = await withStore(target.agentId, (store) => exportLegacyJsonl(store, target.sessionKey));
  if (!exported) throw new CliError(`No session ${target.sessionKey} in ${agentStorePath(resolveStateDir(), target.agentId)}`);
  const text = exported.join("\n") + "\n";
  if (flags.out) {
    writeFileAtomicSync(flags.out, text);
    process.stderr.write(`Wrote ${exported.length} lines to ${flags.out}\n`);
  } else process.stdout.write(text);
}
