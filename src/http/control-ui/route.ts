import type { IncomingMessage, ServerResponse } from "node:http";
import type { GatewayContext } from "../../server/context.js";
import { classifyUiRequest } from "./classify.js";
import { controlUiSettings } from "./settings.js";

/**
 * The Control UI stage of the HTTP dispatch (the last one): claims GET/HEAD requests under its
 * base path and answers them; false leaves the request to the 404. The file server is loaded
 * on the first UI request.
 */
export function handleControlUi(req: IncomingMessage, res: ServerResponse, gateway: GatewayContext): Promise<void> | null {
  const settings = controlUiSettings(gateway.config().config);
  if (!settings.enabled) return null;
  const [pathname, query = ""] = (req.url ?? "/").split(/\?(.*)/s, 2);
  const search = query === "" ? "" : `?${query}`;
  const request = classifyUiRequest(req.method ?? "GET", pathname!, search, settings.basePath);
  if (!request) return null;
  if (request.kind === "redirect") {
    res.writeHead(302, { Location: request.location, "Cache-Control": "no-store" });
    res.end();
    return Promise.resolve();
  }
  if (request.kind === "runtime-config") return import("./runtime-config.js").then((m) => m.sendRuntimeConfig(req, res, gateway, settings));
  return import("./serve.js").then((m) => m.serveUiFile(req, res, request.rel, search, settings));
}
