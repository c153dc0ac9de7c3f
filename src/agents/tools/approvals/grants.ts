import type { AllowlistEntry, ExecApprovalsFile } from "./approvals-file.js";

/**
 * An allow-always decision as it lives on: one generated allowlist entry, named by its id. The
 * ledger fields OpenClaw's automation grants carry are filled in where they have a meaning here
 * (grants last until revoked and revoking deletes them; uses are not counted).
 */
export type ExecGrant = {
  grantId: string;
  agentId: string;
  /** What the official CLI shows as the grant's owner: the agent, since no automation is involved. */
  cronJobName: string;
  cronJobId: null;
  pattern: string;
  argPattern?: string;
  command: string | null;
  resolvedPath: string | null;
  lastUsedAt: number | null;
  useCount: null;
  expiresAtMs: null;
  revokedAtMs: null;
  state: "active";
};

/** Allow-always entries of every agent, most recently used first. */
export function listGrants(file: ExecApprovalsFile, limit: number): ExecGrant[] {
  const grants: ExecGrant[] = [];
  for (const [agentId, agent] of Object.entries(file.agents ?? {})) {
    for (const entry of agent.allowlist ?? []) {
      if (entry.source !== "allow-always") continue;
      grants.push({
        grantId: entry.id,
        agentId,
        cronJobName: `agent ${agentId}`,
        cronJobId: null,
        pattern: entry.pattern,
        ...(entry.argPattern ? { argPattern: entry.argPattern } : {}),
        command: entry.lastUsedCommand ?? null,
        resolvedPath: entry.lastResolvedPath ?? null,
        lastUsedAt: entry.lastUsedAt ?? null,
        useCount: null,
        expiresAtMs: null,
        revokedAtMs: null,
        state: "active",
      });
    }
  }
  return grants.sort((a, b) => (b.lastUsedAt ?? 0) - (a.lastUsedAt ?? 0)).slice(0, limit);
}

/** Removes the allow-always entry with this id; false when there is none (revoking is idempotent). */
export function removeGrant(file: ExecApprovalsFile, grantId: string): boolean {
  for (const agent of Object.values(file.agents ?? {})) {
    const list = agent.allowlist ?? [];
    const index = list.findIndex((entry) => entry.id === grantId && entry.source === "allow-always");
    if (index >= 0) {
      list.splice(index, 1);
      return true;
    }
  }
  return false;
}

function sameEntry(a: AllowlistEntry, b: AllowlistEntry): boolean {
  return a.pattern === b.pattern && a.argPattern === b.argPattern;
}

/** Adds an allow-always decision's entries to the agent's allowlist; false when all were there already. */
export function addGrantEntries(file: ExecApprovalsFile, agentId: string, entries: readonly AllowlistEntry[]): boolean {
  const agent = ((file.agents ??= {})[agentId] ??= {});
  const allowlist = (agent.allowlist ??= []);
  const fresh = entries.filter((e) => !allowlist.some((existing) => sameEntry(existing, e)));
  allowlist.push(...fresh);
  return fresh.length > 0;
}
