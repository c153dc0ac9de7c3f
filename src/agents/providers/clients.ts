import { createHash } from "node:crypto";
import type { ProviderApi, ProviderClient, ProviderConfig } from "./types.js";

/** Enough for every configured provider plus a few key rotations; the oldest client goes first. */
const MAX_CACHED_CLIENTS = 64;

const cache = new Map<string, Promise<ProviderClient>>();

/** Each adapter module (and the SDK it wraps) is imported only when a provider of its kind is used. */
const ADAPTERS: Record<ProviderApi, (config: ProviderConfig) => Promise<ProviderClient>> = {
  "openai-completions": async (c) => (await import("./openai-completions.js")).createOpenAICompletionsClient(c),
  "openai-responses": async (c) => (await import("./openai-responses.js")).createOpenAIResponsesClient(c),
  "anthropic-messages": async (c) => (await import("./anthropic-messages.js")).createAnthropicMessagesClient(c),
  ollama: async (c) => (await import("./ollama.js")).createOllamaClient(c),
};

/** The key never appears in the cache key, only a digest of it. */
function cacheKey(config: ProviderConfig): string {
  const keyDigest = config.apiKey ? createHash("sha256").update(config.apiKey).digest("hex").slice(0, 16) : "";
  const headers = Object.entries(config.headers ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([config.id, config.api, config.baseUrl, keyDigest, headers, config.timeoutMs, config.local]);
}

/** The client for a provider config, created on first use and shared by every later run. */
export function providerClient(config: ProviderConfig): Promise<ProviderClient> {
  const adapter = ADAPTERS[config.api];
  if (!adapter) return Promise.reject(new Error(`unknown provider api "${String(config.api)}"`));
  const key = cacheKey(config);
  const cached = cache.get(key);
  if (cached) return cached;
  const created = adapter(config);
  cache.set(key, created);
  created.catch(() => cache.delete(key));
  if (cache.size > MAX_CACHED_CLIENTS) cache.delete(cache.keys().next().value as string);
  return created;
}

/** Drops every cached client, so the next call builds fresh ones (config reload, tests). */
export function clearProviderClients(): void {
  cache.clear();
}
