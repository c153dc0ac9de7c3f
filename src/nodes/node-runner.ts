import type { NodeRunner, NodeSummary } from "../agents/tools/types.js";
import { ErrorCodes, GatewayError } from "../protocol/errors.js";
import type { NodeService } from "./node-service.js";

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

function unavailable(): never {
  throw new GatewayError({ code: ErrorCodes.unavailable, message: "the gateway is restarting: nodes are not reachable right now", retryable: true });
}

/** The agent tools' view of the nodes of whichever server is running now (it changes across in-process restarts). */
export function nodeRunner(current: () => NodeService | undefined): NodeRunner {
  return {
    async list(): Promise<NodeSummary[]> {
      const nodes = current() ?? unavailable();
      return (await nodes.list()).map((n) => ({
        nodeId: String(n.nodeId),
        ...(str(n.displayName) ? { displayName: str(n.displayName) } : {}),
        ...(str(n.remoteIp) ? { remoteIp: str(n.remoteIp) } : {}),
        ...(str(n.platform) ? { platform: str(n.platform) } : {}),
        connected: n.connected === true,
        commands: Array.isArray(n.commands) ? (n.commands as string[]) : [],
      }));
    },
    invoke: async (req) => (current() ?? unavailable()).invoke(req),
  };
}
