import type { IncomingMessage, ServerResponse } from "node:http";
import type { AgentService } from "../../agents/types.js";
import { Scope } from "../../protocol/scopes.js";
import type { GatewayContext } from "../../server/context.js";
import { authenticateHttp, requireScope } from "../http-auth.js";
import { sendApiError, sendApiJson, sendMethodNotAllowed } from "./errors.js";
import { parseModelTarget } from "./model-target.js";

export const MODELS_PATH = "/v1/models";

export type ModelObject = { id: string; object: "model"; created: 0; owned_by: "openclaw"; permission: [] };

function modelObject(id: string): ModelObject {
  return { id, object: "model", created: 0, owned_by: "openclaw", permission: [] };
}

/** `openclaw`, `openclaw/default`, then `openclaw/<id>` per configured agent. */
export function listedModelIds(agents: Pick<AgentService, "agentIds">): string[] {
  return ["openclaw", "openclaw/default", ...agents.agentIds().map((id) => `openclaw/${id}`)];
}

function modelDetail(res: ServerResponse, encodedId: string, agents: AgentService): void {
  let id: string;
  try {
    id = decodeURIComponent(encodedId);
  } catch {
    return sendApiError(res, 400, "Invalid model id encoding.");
  }
  if (id.trim() === "") return sendApiError(res, 400, "Missing model id.");
  const target = parseModelTarget(id);
  if (!target) return sendApiError(res, 400, "Invalid model id.");
  const known = target.kind === "default" || agents.hasAgent(target.agentId);
  if (!known || !listedModelIds(agents).includes(id)) return sendApiError(res, 404, `Model '${id}' not found.`);
  sendApiJson(res, 200, modelObject(id));
}

/** `GET /v1/models` and `GET /v1/models/{id}`: the agents, presented as OpenAI models. */
export async function handleModels(req: IncomingMessage, res: ServerResponse, gateway: GatewayContext, pathname: string): Promise<void> {
  if (req.method !== "GET") return sendMethodNotAllowed(res, "GET");
  const caller = await authenticateHttp(req, res, gateway);
  if (!caller || !requireScope(res, caller, Scope.read)) return;
  if (pathname === MODELS_PATH) {
    sendApiJson(res, 200, { object: "list", data: listedModelIds(gateway.agents).map(modelObject) });
    return;
  }
  modelDetail(res, pathname.slice(MODELS_PATH.length + 1), gateway.agents);
}
