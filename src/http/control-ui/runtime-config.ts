import type { IncomingMessage, ServerResponse } from "node:http";
import { GATEWAY_VERSION } from "../../protocol/constants.js";
import type { GatewayContext } from "../../server/context.js";
import { agentIdentity } from "../../methods/agent.js";
import { authenticateHttp } from "../http-auth.js";
import { sendJson } from "../probes.js";
import type { ControlUiSettings } from "./settings.js";

/** `control-ui-config.json`: what the UI needs before it connects (http spec §4.1), for authenticated callers. */
export async function sendRuntimeConfig(req: IncomingMessage, res: ServerResponse, gateway: GatewayContext, settings: ControlUiSettings): Promise<void> {
  // The UI asks with the gateway token or, once paired, with its device token.
  const caller = await authenticateHttp(req, res, gateway, { acceptDeviceToken: true });
  if (!caller) return;
  const agentId = gateway.agents?.defaultAgentId();
  const identity = agentId ? agentIdentity(gateway, agentId) : null;
  sendJson(res, 200, {
    basePath: settings.basePath,
    assistantName: identity?.name ?? "Assistant",
    assistantAvatar: identity?.avatar ?? null,
    assistantAvatarSource: identity?.avatarSource ?? null,
    assistantAvatarStatus: identity?.avatarStatus ?? "none",
    assistantAvatarReason: null,
    ...(agentId ? { assistantAgentId: agentId } : {}),
    serverVersion: GATEWAY_VERSION,
    embedSandbox: "scripts",
    allowExternalEmbedUrls: false,
    automaticallyFetchFavicons: false,
    communityInvite: null,
    terminalEnabled: false,
    cliAgentsEnabled: false,
    pluginAssetsRequireAuth: true,
    pluginFrameGrants: [],
  });
}
