import { printJson } from "../exit.js";
import { resolveTarget, withClient, type ClientFlags } from "../connection.js";
import { formatDuration } from "../format-duration.js";
import { formatHealth } from "./health.js";

type Status = { runtimeVersion?: string; pid?: number; uptimeMs?: number; channelSummary?: string[]; sessions?: { count?: number }; queuedSystemEvents?: string[] };

/** `openclaw status`: reachability, runtime and channels from the gateway in one view. */
export async function statusCommand(flags: ClientFlags & { deep?: boolean }): Promise<void> {
  const target = resolveTarget(flags);
  const report = await withClient(target, { scopes: ["operator.read"] }, async (client) => {
    const [status, health, channels, heartbeat] = await Promise.all([
      client.request<Status>("status", { includeChannelSummary: true }),
      client.request<Parameters<typeof formatHealth>[0]>("health", flags.deep ? { probe: true } : {}),
      client.request("channels.status", { probe: false }),
      client.request("last-heartbeat", {}),
    ]);
    return { gateway: { url: target.url, reachable: true, version: client.hello.server.version, scopes: client.hello.auth.scopes }, status, health, channels, heartbeat };
  });
  if (flags.json) {
    printJson(report);
    return;
  }
  const { status } = report;
  const lines = [
    `Gateway: reachable at ${target.url} (app ${report.gateway.version})`,
    `Runtime: pid ${status.pid ?? "?"}, up ${formatDuration(status.uptimeMs ?? 0)}`,
    `Channels: ${status.channelSummary && status.channelSummary.length > 0 ? status.channelSummary.join("; ") : "none configured"}`,
    `Sessions: ${status.sessions?.count ?? 0}`,
    `Last heartbeat: ${report.heartbeat === null ? "none" : JSON.stringify(report.heartbeat)}`,
    "",
    formatHealth(report.health),
  ];
  process.stdout.write(lines.join("\n") + "\n");
}
