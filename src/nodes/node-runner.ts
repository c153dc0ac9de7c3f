import type { NodeRunner, NodeSummary } from "../agents/tools/types.js";
import type { NodeService } from "./node-service.js";

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** The agent tools' view of the gateway's nodes. */
export function nodeRunner(nodes: NodeService): NodeRunner {
  return {
    async list(): Promise<NodeSummary[]> {
      return (await nodes.list()).map((n) => ({
        nodeId: String(n.nodeId),
        ...(str(n.displayName) ? { displayName: str(n.displayName) } : {}),
        ...(str(n.remoteIp) ? { remoteIp: str(n.remoteIp) } : {}),
        ...(str(n.platform) ? { platform: str(n.platform) } : {}),
        connected: n.connected === true,
        commands: Array.isArray(n.commands) ? (n.commands as string[]) : [],
      }));
    },
    invoke: (req) => nodes.invoke(req),
  };
}
