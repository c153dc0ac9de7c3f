import type { GatewayConfig } from "../config/schema.js";
import type { Env } from "../config/paths.js";
import type { AgentDefinition } from "./agent-config.js";
import { detectLocalProviders } from "./local-models.js";
import type { ModelChainEntry } from "./providers/call-model.js";
import { providerClient } from "./providers/clients.js";
import { BUILTIN_PROVIDERS, configuredProviders, modelLimits, parseModelRef, type CatalogProvider } from "./model-catalog.js";

export type ModelCandidate = { ref: string; provider: CatalogProvider; model: string; contextWindow: number; maxTokens?: number };

export type ModelResolution = { ok: true; chain: ModelCandidate[] } | { ok: false; message: string };

export function noModelGuidance(configPath: string): string {
  const envs = Object.values(BUILTIN_PROVIDERS).map((b) => b.keyEnv).join(", ");
  return (
    `No model is configured for this agent. Set one of ${envs} in the gateway's environment, ` +
    `start Ollama (http://127.0.0.1:11434) or LM Studio (http://127.0.0.1:1234) on this machine, ` +
    `or add a provider under models.providers and set agents.defaults.model.primary (for example "openai/gpt-5-mini") in ${configPath}.`
  );
}

/**
 * All providers a run may use now: configured, keyed from the environment, then detected locally.
 * Local servers are only asked when `wanted` names a provider the config does not have.
 */
export async function availableProviders(config: GatewayConfig, env: Env, wanted?: string[]): Promise<Map<string, CatalogProvider>> {
  const { providers } = configuredProviders(config, env);
  const mode = (config.models as { mode?: unknown } | undefined)?.mode;
  const complete = wanted !== undefined && wanted.length > 0 && wanted.every((id) => providers.has(id));
  if (mode !== "replace" && !complete) {
    for (const detected of await detectLocalProviders(env)) if (!providers.has(detected.config.id)) providers.set(detected.config.id, detected);
  }
  return providers;
}

function firstAvailableRef(providers: Map<string, CatalogProvider>): string | undefined {
  const ranked = [...providers.values()].sort((a, b) => rank(a) - rank(b));
  for (const p of ranked) if (p.models[0]) return `${p.config.id}/${p.models[0].id}`;
  return undefined;
}

const rank = (p: CatalogProvider) => (p.source === "config" ? 0 : p.source === "env" ? 1 : 2);

/**
 * The models a run tries, in order: the override or the agent's primary, then its fallbacks.
 * With no primary configured, the first usable provider's first model is taken.
 */
export async function resolveModelChain(opts: { agent: AgentDefinition; config: GatewayConfig; env: Env; override?: string; configPath: string }): Promise<ModelResolution> {
  const named = [opts.override ?? opts.agent.model.primary, ...opts.agent.model.fallbacks].filter((r): r is string => r !== undefined);
  const providers = await availableProviders(opts.config, opts.env, named.map((r) => parseModelRef(r)?.provider ?? ""));
  const primary = opts.override ?? opts.agent.model.primary ?? firstAvailableRef(providers);
  if (!primary) return { ok: false, message: noModelGuidance(opts.configPath) };
  const refs = [primary, ...opts.agent.model.fallbacks.filter((f) => f !== primary)];
  const chain: ModelCandidate[] = [];
  const problems: string[] = [];
  for (const ref of refs) {
    const parsed = parseModelRef(ref);
    if (!parsed) {
      problems.push(`"${ref}" is not a model reference (use provider/model)`);
      continue;
    }
    const provider = providers.get(parsed.provider);
    if (!provider) {
      const builtin = BUILTIN_PROVIDERS[parsed.provider];
      problems.push(
        builtin
          ? `provider "${parsed.provider}" has no API key: set ${builtin.keyEnv} or models.providers.${parsed.provider}.apiKey`
          : `unknown model provider "${parsed.provider}" (configure models.providers.${parsed.provider})`,
      );
      continue;
    }
    if (!provider.config.apiKey && !provider.config.local) {
      problems.push(`provider "${parsed.provider}" has no API key (models.providers.${parsed.provider}.apiKey)`);
      continue;
    }
    chain.push({ ref: `${parsed.provider}/${parsed.model}`, provider, model: parsed.model, ...modelLimits(provider, parsed.model) });
  }
  if (chain.length === 0) return { ok: false, message: `No usable model: ${problems.join("; ")}. ${noModelGuidance(opts.configPath)}` };
  return { ok: true, chain };
}

/** The chain with each provider's client, as callModel takes it. */
export function chainClients(chain: ModelCandidate[]): Promise<ModelChainEntry[]> {
  return Promise.all(chain.map(async (c) => ({ ref: c.ref, model: c.model, client: await providerClient(c.provider.config) })));
}
