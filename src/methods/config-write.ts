import { Type } from "@sinclair/typebox";
import JSON5 from "json5";
import { compileSchema } from "../protocol/validate.js";
import { ErrorCodes, GatewayError, unavailable } from "../protocol/errors.js";
import { Scope } from "../protocol/scopes.js";
import { GATEWAY_VERSION } from "../protocol/constants.js";
import { ConfigSchema } from "../config/schema.js";
import { ConfigWriteError, patchConfigFile, writeConfigRaw, type ConfigWriteResult } from "../config/write.js";
import type { ConnectionInfo } from "../server/connection-info.js";
import type { GatewayContext } from "../server/context.js";
import { defineMethod, EmptyParams } from "./registry.js";

const Raw = Type.String({ minLength: 1 });
const BaseHash = Type.Optional(Type.String({ minLength: 1 }));
const Delivery = Type.Optional(
  Type.Object(
    { channel: Type.Optional(Type.String()), to: Type.Optional(Type.String()), accountId: Type.Optional(Type.String()), threadId: Type.Optional(Type.Union([Type.String(), Type.Number()])) },
    { additionalProperties: false },
  ),
);
const ApplyFields = {
  raw: Raw,
  baseHash: BaseHash,
  sessionKey: Type.Optional(Type.String()),
  deliveryContext: Delivery,
  note: Type.Optional(Type.String()),
  restartDelayMs: Type.Optional(Type.Integer({ minimum: 0 })),
};

const SetParams = compileSchema(Type.Object({ raw: Raw, baseHash: BaseHash }, { additionalProperties: false }));
const ApplyParams = compileSchema(Type.Object(ApplyFields, { additionalProperties: false }));
const PatchParams = compileSchema(
  Type.Object({ ...ApplyFields, replacePaths: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 256 })) }, { additionalProperties: false }),
);

function toGatewayError(err: unknown): unknown {
  if (err instanceof ConfigWriteError) {
    return new GatewayError({ code: ErrorCodes.invalidRequest, message: err.message, details: { code: err.code.toUpperCase().replace(/-/g, "_"), ...(err.details as object) } });
  }
  return err;
}

/** config.apply and config.patch are control-plane writes: 30 a minute per method and client. */
function takeWriteBudget(gateway: GatewayContext, method: string, client: ConnectionInfo): void {
  const waitMs = gateway.writeLimiter.take(`${method}|${client.remoteIp}`);
  if (waitMs > 0) {
    throw unavailable(`rate limit exceeded for ${method}; retry after ${Math.ceil(waitMs / 1000)}s`, {
      retryable: true,
      retryAfterMs: waitMs,
      details: { method, limit: `${gateway.writeLimiter.limit} per ${gateway.writeLimiter.windowMs / 1000}s` },
    });
  }
}

/** Writes happen first; the running gateway then reloads from disk and reports what it did. */
async function writeAndReload(gateway: GatewayContext, method: string, write: () => Promise<ConfigWriteResult>) {
  let result: ConfigWriteResult;
  try {
    result = await write();
  } catch (err) {
    throw toGatewayError(err);
  }
  const reload = result.changed && gateway.control ? await gateway.control.reloadConfig(method) : { status: "unchanged" as const };
  return {
    ok: true,
    path: result.path,
    hash: result.hash,
    changed: result.changed,
    changedPaths: result.plan.changedPaths,
    restartRequired: result.plan.restartGateway,
    hint: result.hint,
    reload,
    ...(result.formattingLost ? { warnings: ["comments and JSON5 formatting could not be kept; the file was rewritten as JSON"] } : {}),
  };
}

export const configSetMethod = defineMethod({
  name: "config.set",
  scope: Scope.admin,
  params: SetParams,
  handler: ({ params, gateway }) => writeAndReload(gateway, "config.set", () => writeConfigRaw(gateway.config().path, params.raw, { baseHash: params.baseHash })),
});

export const configApplyMethod = defineMethod({
  name: "config.apply",
  scope: Scope.admin,
  params: ApplyParams,
  handler: ({ params, gateway, client }) => {
    takeWriteBudget(gateway, "config.apply", client);
    return writeAndReload(gateway, "config.apply", () => writeConfigRaw(gateway.config().path, params.raw, { baseHash: params.baseHash }));
  },
});

export const configPatchMethod = defineMethod({
  name: "config.patch",
  scope: Scope.admin,
  params: PatchParams,
  handler: ({ params, gateway, client }) => {
    takeWriteBudget(gateway, "config.patch", client);
    return writeAndReload(gateway, "config.patch", () => {
      let patch: unknown;
      try {
        patch = JSON5.parse(params.raw);
      } catch (err) {
        throw new ConfigWriteError("bad-patch", `config.patch raw must be a JSON5 object: ${(err as Error).message}`);
      }
      return patchConfigFile(gateway.config().path, patch, { baseHash: params.baseHash, requireBaseHash: true, replacePaths: params.replacePaths });
    });
  },
});

export const configSchemaMethod = defineMethod({
  name: "config.schema",
  scope: Scope.read,
  params: EmptyParams,
  handler: () => ({ schema: ConfigSchema, uiHints: {}, version: GATEWAY_VERSION, generatedAt: new Date().toISOString() }),
});
