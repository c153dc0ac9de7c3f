import { Type } from "@sinclair/typebox";
import { BUILTIN_PROVIDERS, configuredProviders } from "../agents/model-catalog.js";
import { availableProviders } from "../agents/model-resolution.js";
import { Scope } from "../protocol/scopes.js";
import { compileSchema } from "../protocol/validate.js";
import { defineMethod } from "./registry.js";

const Opt = Type.Optional;
const NonEmpty = Type.String({ minLength: 1 });

const ModelsListParams = compileSchema(
  Type.Object(
    {
      agentId: Opt(NonEmpty),
      sessionKey: Opt(NonEmpty),
      authProfileId: Opt(Type.String({ minLength: 1, maxLength: 256 })),
      provider: Opt(NonEmpty),
      includeDetails: Opt(Type.Boolean()),
      includeProviderCapabilities: Opt(Type.Boolean()),
      includeDefaultModels: Opt(Type.Boolean()),
      preparedOnly: Opt(Type.Boolean()),
      refresh: Opt(Type.Boolean()),
      view: Opt(Type.Union(["default", "configured", "provider-config", "all"].map((v) => Type.Literal(v)))),
    },
    { additionalProperties: false },
  ),
);

/** Models of every provider a run could use now (configured, keyed from the environment, local). */
export const modelsListMethod = defineMethod({
  name: "models.list",
  scope: Scope.read,
  params: ModelsListParams,
  async handler({ params, gateway }) {
    if (params.preparedOnly && params.refresh) throw new Error("invalid models.list params: preparedOnly and refresh are mutually exclusive");
    const providers = await availableProviders(gateway.config().config, process.env);
    const models = [];
    for (const provider of providers.values()) {
      if (params.provider && provider.config.id !== params.provider) continue;
      for (const m of provider.models) {
        models.push({
          id: m.id,
          name: m.name ?? m.id,
          provider: provider.config.id,
          ...(m.contextWindow ? { contextWindow: m.contextWindow } : {}),
          ...(m.maxTokens ? { maxTokens: m.maxTokens } : {}),
          ...(m.reasoning !== undefined ? { reasoning: m.reasoning } : {}),
          ...(m.input ? { input: m.input } : {}),
          ...(params.includeDetails ? { api: provider.config.api, source: provider.source, local: provider.config.local } : {}),
        });
      }
    }
    return { models };
  },
});

/** Which providers have credentials, and from where; keys themselves never leave the gateway. */
export const modelsAuthStatusMethod = defineMethod({
  name: "models.authStatus",
  scope: Scope.read,
  handler({ gateway }) {
    const { providers, problems } = configuredProviders(gateway.config().config, process.env);
    const list = [...providers.values()].map((p) => ({
      provider: p.config.id,
      api: p.config.api,
      configured: Boolean(p.config.apiKey) || p.config.local,
      source: p.source === "env" ? "env" : p.config.apiKey ? "config" : p.config.local ? "local" : "missing",
    }));
    for (const [id, builtin] of Object.entries(BUILTIN_PROVIDERS)) {
      if (!providers.has(id)) list.push({ provider: id, api: builtin.api, configured: false, source: "missing", ...{ env: builtin.keyEnv } });
    }
    return { providers: list, problems };
  },
});
