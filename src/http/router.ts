import type { IncomingMessage, ServerResponse } from "node:http";
import { createLogger } from "../infra/logger.js";
import type { GatewayContext } from "../server/context.js";
import { resolveHooksConfig } from "./hooks/config.js";
import { CHAT_COMPLETIONS_PATH, handleChatCompletions } from "./openai/chat-completions.js";
import { EMBEDDINGS_PATH, handleEmbeddings } from "./openai/embeddings.js";
import { sendApiJson, sendPlainText } from "./openai/errors.js";
import { handleModels, MODELS_PATH } from "./openai/models.js";
import { handleResponses, RESPONSES_PATH } from "./openai/responses.js";
import { handleMetrics, METRICS_PATH, metricsEnabled } from "./metrics.js";
import { handleProbe } from "./probes.js";
import { handleControlUi } from "./control-ui/route.js";
import { handleToolsInvoke, TOOLS_INVOKE_PATH } from "./tools-invoke.js";

const log = createLogger("http");

type RouteHandler = (req: IncomingMessage, res: ServerResponse, gateway: GatewayContext, pathname: string) => Promise<void>;

/** Which optional routes the live config turns on: the OpenAI-compatible endpoints and the hooks base path (all default off). */
export type EnabledEndpoints = { chatCompletions: boolean; responses: boolean; metrics?: boolean; hooksPath?: string };

export function enabledEndpoints(gateway: GatewayContext): EnabledEndpoints {
  const config = gateway.config().config;
  const endpoints = config.gateway?.http?.endpoints;
  const hooks = resolveHooksConfig(config);
  return {
    chatCompletions: endpoints?.chatCompletions?.enabled === true,
    responses: endpoints?.responses?.enabled === true,
    metrics: metricsEnabled(config),
    ...(hooks ? { hooksPath: hooks.basePath } : {}),
  };
}

/** The §0.1 dispatch order for the routes this gateway serves; null falls through to 404. */
export function routeFor(pathname: string, enabled: EnabledEndpoints): RouteHandler | null {
  if (enabled.hooksPath !== undefined && (pathname === enabled.hooksPath || pathname.startsWith(`${enabled.hooksPath}/`))) return handleHooks;
  const anyCompat = enabled.chatCompletions || enabled.responses;
  if (anyCompat && (pathname === MODELS_PATH || pathname.startsWith(`${MODELS_PATH}/`))) return handleModels;
  if (anyCompat && pathname === EMBEDDINGS_PATH) return handleEmbeddings;
  if (pathname === TOOLS_INVOKE_PATH) return handleToolsInvoke;
  if (enabled.metrics && pathname === METRICS_PATH) return handleMetrics;
  if (enabled.responses && pathname === RESPONSES_PATH) return handleResponses;
  if (enabled.chatCompletions && pathname === CHAT_COMPLETIONS_PATH) return handleChatCompletions;
  return null;
}

// The hooks ingress is loaded on its first request: most gateways never enable it.
const handleHooks: RouteHandler = async (req, res, gateway, pathname) => (await import("./hooks/route.js")).handleHooks(req, res, gateway, pathname);

function failed(res: ServerResponse, err: unknown): void {
  log.error(`http request failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  if (!res.headersSent) sendPlainText(res, 500, "Internal Server Error");
  else res.destroy();
}

function applyDefaultHeaders(res: ServerResponse, gateway: GatewayContext): void {
  // The official gateway's answers carry no Date header; matching it keeps responses byte-comparable.
  res.sendDate = false;
  const hsts = gateway.config().config.gateway?.http?.securityHeaders?.strictTransportSecurity;
  if (typeof hsts === "string" && hsts.trim() !== "") res.setHeader("Strict-Transport-Security", hsts);
}

/** Every non-upgrade HTTP request: probes, then the enabled API routes, else 404. Never throws. */
export function handleHttpRequest(req: IncomingMessage, res: ServerResponse, gateway: GatewayContext): void {
  try {
    applyDefaultHeaders(res, gateway);
    const pathname = (req.url ?? "/").split("?")[0];
    if (handleProbe(req, res, pathname, gateway)) return;
    const route = routeFor(pathname, enabledEndpoints(gateway));
    if (!route) {
      if (gateway.phase() === "starting") return sendPlainText(res, 503, "Plugin runtime is starting", { "Retry-After": "1" });
      const ui = handleControlUi(req, res, gateway);
      if (ui) return void ui.catch((err: unknown) => failed(res, err));
      return sendPlainText(res, 404, "Not Found");
    }
    if (gateway.phase() === "draining") {
      const error = { message: "Gateway is temporarily unavailable while suspending or restarting", type: "service_unavailable", code: "gateway_unavailable" };
      return sendApiJson(res, 503, { error }, { "Retry-After": "1" });
    }
    gateway.activeRequests++;
    route(req, res, gateway, pathname)
      .catch((err: unknown) => failed(res, err))
      .finally(() => gateway.activeRequests--);
  } catch (err) {
    failed(res, err);
  }
}
