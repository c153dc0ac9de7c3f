import type { GatewayClient } from "../client/gateway-client.js";
import { CliError } from "./exit.js";

type Listed = { nodeId: string; displayName?: string; remoteIp?: string };

/** The node id a `--node <id|name|ip>` names, looked up in `node.list`. */
export async function resolveNodeRef(client: GatewayClient, ref: string, timeoutMs?: number): Promise<string> {
  const { nodes } = await client.request<{ nodes: Listed[] }>("node.list", {}, timeoutMs);
  const exact = nodes.find((n) => n.nodeId === ref);
  if (exact) return exact.nodeId;
  const lower = ref.toLowerCase();
  const found = nodes.filter((n) => n.displayName?.toLowerCase() === lower || n.remoteIp === ref || (ref.length >= 8 && n.nodeId.startsWith(ref)));
  if (found.length === 1) return found[0]!.nodeId;
  if (found.length > 1) throw new CliError(`"${ref}" matches several nodes: ${found.map((n) => n.nodeId).join(", ")}. Use the node id.`);
  throw new CliError(`No node matches "${ref}". See \`openclaw nodes list\`.`);
}
