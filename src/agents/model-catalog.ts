import type { GatewayConfig } from "../config/schema.js";
import type { Env } from "../config/paths.js";
import { isPlainObject } from "../config/objects.js";
import { isLoopback } from "../infra/loopback.js";
import type { ModelInfo, ProviderApi, ProviderConfig } from "./providers/types.js";

export type CatalogProvider = { config: ProviderConfig; models: ModelInfo[]; source: "config" | "env" | "local" };

const APIS: readonly ProviderApi[] = ["openai-completions", "openai-responses", "anthropic-messages", "ollama"];
const CLOUD_IDLE_MS = 120_000;
const LOCAL_IDLE_MS = 300_000;
const CLOUD_CONTEXT = 128_000;
const LOCAL_CONTEXT = 32_768;

/** Providers known by id: where they live, which env variable keys them, and a sensible first model. */
export const BUILTIN_PROVIDERS: Record<string, { api: ProviderApi; baseUrl: string; keyEnv: string; baseUrlEnv?: string; defaultModel: string }> = {
  openai: { api: "openai-completions", baseUrl: "https://api.openai.com/v1", keyEnv: "OPENAI_API_KEY", baseUrlEnv: "OPENAI_BASE_URL", defaultModel: "gpt-5-mini" },
  anthropic: { api: "anthropic-messages", baseUrl: "https://api.anthropic.com", keyEnv: "ANTHROPIC_API_KEY", baseUrlEnv: "ANTHROPIC_BASE_URL", defaultModel: "claude-sonnet-4-5" },
  openrouter: { api: "openai-completions", baseUrl: "https://openrouter.ai/api/v1", keyEnv: "OPENROUTER_API_KEY", defaultModel: "openrouter/auto" },
};

/** Loopback, private-range and `.local` hosts run models on the owner's own machines. */
export function isLocalHost(baseUrl: string): boolean {
  let host: string;
  try {
    host = new URL(baseUrl).hostname.replace(/^\[|\]$/g, "");
  } catch {
    return false;
  }
  return isLoopback(host) || host === "localhost" || host.endsWith(".local") || /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)/.test(host);
}

function providerConfig(id: string, api: ProviderApi, baseUrl: string, raw: Record<string, unknown>, apiKey?: string): ProviderConfig {
  const local = isLocalHost(baseUrl);
  const timeoutSeconds = typeof raw.timeoutSeconds === "number" && raw.timeoutSeconds > 0 ? raw.timeoutSeconds : undefined;
  const headers = isPlainObject(raw.headers)
    ? Object.fromEntries(Object.entries(raw.headers).filter((e): e is [string, string] => typeof e[1] === "string"))
    : undefined;
  return {
    id,
    api,
    baseUrl: baseUrl.replace(/\/+$/, ""),
    ...(apiKey ? { apiKey } : {}),
    ...(headers && Object.keys(headers).length > 0 ? { headers } : {}),
    timeoutMs: timeoutSeconds ? timeoutSeconds * 1000 : local ? LOCAL_IDLE_MS : CLOUD_IDLE_MS,
    local,
  };
}

function modelList(raw: unknown, local: boolean): ModelInfo[] {
  if (!Array.isArray(raw)) return [];
  return raw
    .filter((m): m is Record<string, unknown> => isPlainObject(m) && typeof m.id === "string" && m.id !== "")
    .map((m) => ({
      id: m.id as string,
      ...(typeof m.name === "string" ? { name: m.name } : {}),
      ...(typeof m.reasoning === "boolean" ? { reasoning: m.reasoning } : {}),
      ...(Array.isArray(m.input) ? { input: m.input.filter((i): i is string => typeof i === "string") } : {}),
      contextWindow: typeof m.contextWindow === "number" && m.contextWindow > 0 ? m.contextWindow : local ? LOCAL_CONTEXT : CLOUD_CONTEXT,
      ...(typeof m.maxTokens === "number" && m.maxTokens > 0 ? { maxTokens: m.maxTokens } : {}),
    }));
}

/**
 * `models.providers.<id>` merged (by default) with the built-in providers the environment keys.
 * Problems (an unknown api, a missing baseUrl) are returned, not thrown, so one bad provider does
 * not hide the others.
 */
export function configuredProviders(config: GatewayConfig, env: Env): { providers: Map<string, CatalogProvider>; problems: string[] } {
  // Every turn asks; the answer only changes with the config snapshot or the provider variables.
  const envKey = Object.values(BUILTIN_PROVIDERS).map((b) => `${env[b.keyEnv] ?? ""}\0${(b.baseUrlEnv && env[b.baseUrlEnv]) ?? ""}`).join("\0");
  const hit = catalogCache.get(config);
  if (hit && hit.envKey === envKey) return { providers: new Map(hit.result.providers), problems: hit.result.problems };
  const result = buildCatalog(config, env);
  catalogCache.set(config, { envKey, result });
  return { providers: new Map(result.providers), problems: result.problems };
}

const catalogCache = new WeakMap<object, { envKey: string; result: { providers: Map<string, CatalogProvider>; problems: string[] } }>();

function buildCatalog(config: GatewayConfig, env: Env): { providers: Map<string, CatalogProvider>; problems: string[] } {
  const models = isPlainObject(config.models) ? config.models : {};
  const replace = models.mode === "replace";
  const providers = new Map<string, CatalogProvider>();
  const problems: string[] = [];
  const entries = isPlainObject(models.providers) ? Object.entries(models.providers) : [];
  for (const [id, value] of entries) {
    if (!isPlainObject(value)) continue;
    const builtin = BUILTIN_PROVIDERS[id];
    const baseUrl = typeof value.baseUrl === "string" && value.baseUrl ? value.baseUrl : builtin?.baseUrl;
    if (!baseUrl) {
      problems.push(`models.providers.${id}: baseUrl is required`);
      continue;
    }
    const api = (value.api ?? builtin?.api ?? "openai-completions") as ProviderApi;
    if (!APIS.includes(api)) {
      problems.push(`models.providers.${id}.api: must be one of ${APIS.join(", ")}`);
      continue;
    }
    const apiKey = typeof value.apiKey === "string" && value.apiKey ? value.apiKey : builtin ? env[builtin.keyEnv] : undefined;
    const cfg = providerConfig(id, api, baseUrl, value, apiKey);
    providers.set(id, { config: cfg, models: modelList(value.models, cfg.local), source: "config" });
  }
  if (!replace) {
    for (const [id, builtin] of Object.entries(BUILTIN_PROVIDERS)) {
      const key = env[builtin.keyEnv];
      if (providers.has(id) || !key) continue;
      const cfg = providerConfig(id, builtin.api, (builtin.baseUrlEnv && env[builtin.baseUrlEnv]) || builtin.baseUrl, {}, key);
      providers.set(id, { config: cfg, models: [{ id: builtin.defaultModel, contextWindow: CLOUD_CONTEXT }], source: "env" });
    }
  }
  return { providers, problems };
}

export function parseModelRef(ref: string): { provider: string; model: string } | null {
  const slash = ref.indexOf("/");
  if (slash <= 0 || slash === ref.length - 1) return null;
  return { provider: ref.slice(0, slash).trim().toLowerCase(), model: ref.slice(slash + 1).trim() };
}

/** Context window and output cap for a model, from its catalog entry or the provider's kind. */
export function modelLimits(provider: CatalogProvider, modelId: string): { contextWindow: number; maxTokens?: number } {
  const info = provider.models.find((m) => m.id === modelId);
  return { contextWindow: info?.contextWindow ?? (provider.config.local ? LOCAL_CONTEXT : CLOUD_CONTEXT), maxTokens: info?.maxTokens };
}

export { LOCAL_CONTEXT };
