import { printJson } from "../exit.js";
import { resolveTarget, withClient, type ClientFlags } from "../connection.js";

type Health = {
  ok?: boolean;
  durationMs?: number;
  channelOrder?: string[];
  channelLabels?: Record<string, string>;
  channels?: Record<string, { accounts?: Record<string, { running?: boolean; lastError?: string | null }> }>;
  eventLoop?: { degraded?: boolean; delayP99Ms?: number; utilization?: number };
};

export function formatHealth(health: Health): string {
  const lines = ["Gateway Health", `${health.ok ? "OK" : "NOT OK"} (${health.durationMs ?? 0}ms)`];
  const order = health.channelOrder ?? [];
  if (order.length === 0) lines.push("Channels: none configured");
  for (const id of order) {
    const accounts = Object.values(health.channels?.[id]?.accounts ?? {});
    const running = accounts.filter((a) => a.running).length;
    const problem = accounts.find((a) => a.lastError)?.lastError;
    lines.push(`${health.channelLabels?.[id] ?? id}: ${running}/${accounts.length} running${problem ? ` (${problem})` : ""}`);
  }
  if (health.eventLoop) {
    const el = health.eventLoop;
    lines.push(`Event loop: ${el.degraded ? "degraded" : "ok"} (p99 delay ${el.delayP99Ms ?? 0}ms, utilization ${el.utilization ?? 0})`);
  }
  return lines.join("\n");
}

/** `openclaw health` and `openclaw gateway health`. */
export async function healthCommand(flags: ClientFlags & { verbose?: boolean }): Promise<void> {
  const target = resolveTarget(flags);
  const health = await withClient(target, { scopes: ["operator.read"] }, (client) =>
    client.request<Health>("health", flags.verbose ? { probe: true } : {}),
  );
  if (flags.json) printJson(health);
  else process.stdout.write(formatHealth(health) + "\n");
}
