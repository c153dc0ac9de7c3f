import type { GatewayConfig } from "../config/schema.js";
import type { Env } from "../config/paths.js";
import { ErrorCodes, GatewayError } from "../protocol/errors.js";
import type { AgentsConfig } from "./agent-config.js";
import { configuredProviders, parseModelRef } from "./model-catalog.js";
import { providerClient } from "./providers/clients.js";

const DEFAULT_EMBEDDING_MODEL = "text-embedding-3-small";

/**
 * Embeddings through `agents.defaults.memorySearch` (provider `auto` means openai). A requested
 * model may name another model of that provider, never another provider.
 */
export async function embedWith(
  agents: AgentsConfig,
  config: GatewayConfig,
  env: Env,
  request: { model?: string; input: string[]; dimensions?: number; signal: AbortSignal },
): Promise<{ vectors: number[][]; promptTokens: number; model: string }> {
  const configured = agents.memorySearch.provider && agents.memorySearch.provider !== "auto" ? agents.memorySearch.provider : "openai";
  let model = agents.memorySearch.model ?? DEFAULT_EMBEDDING_MODEL;
  if (request.model) {
    const ref = parseModelRef(request.model);
    if (ref && ref.provider !== configured) {
      throw new GatewayError({ code: ErrorCodes.invalidRequest, message: "This agent does not allow that embedding provider on `/v1/embeddings`." });
    }
    model = ref ? ref.model : request.model;
  }
  const provider = configuredProviders(config, env).providers.get(configured);
  if (!provider) throw new GatewayError({ code: ErrorCodes.unavailable, message: `embedding provider "${configured}" is not configured (models.providers.${configured})` });
  const client = await providerClient(provider.config);
  if (!client.embed) throw new GatewayError({ code: ErrorCodes.unavailable, message: `provider "${configured}" (${provider.config.api}) has no embeddings API` });
  const result = await client.embed({ model, input: request.input, dimensions: request.dimensions, signal: request.signal });
  return { ...result, model: `${configured}/${model}` };
}
