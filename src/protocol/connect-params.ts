import { Type, type Static } from "@sinclair/typebox";
import { compileSchema } from "./validate.js";

const NonEmpty = Type.String({ minLength: 1 });

export const CLIENT_IDS = [
  "webchat-ui", "openclaw-control-ui", "openclaw-browser-copilot", "openclaw-tui", "webchat", "cli",
  "gateway-client", "openclaw-macos", "openclaw-linux", "openclaw-ios", "openclaw-watchos",
  "openclaw-android", "node-host", "openclaw-worker", "test", "fingerprint", "openclaw-probe",
] as const;

export const CLIENT_MODES = ["webchat", "cli", "ui", "backend", "node", "worker", "probe", "test"] as const;

const closed = { additionalProperties: false } as const;

export const ConnectParamsSchema = Type.Object(
  {
    minProtocol: Type.Integer({ minimum: 1 }),
    maxProtocol: Type.Integer({ minimum: 1 }),
    client: Type.Object(
      {
        id: Type.Union(CLIENT_IDS.map((id) => Type.Literal(id))),
        displayName: Type.Optional(NonEmpty),
        version: NonEmpty,
        buildId: Type.Optional(Type.String({ minLength: 1, maxLength: 96 })),
        platform: NonEmpty,
        deviceFamily: Type.Optional(NonEmpty),
        modelIdentifier: Type.Optional(NonEmpty),
        timeZone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
        mode: Type.Union(CLIENT_MODES.map((mode) => Type.Literal(mode))),
        instanceId: Type.Optional(NonEmpty),
      },
      closed,
    ),
    caps: Type.Optional(Type.Array(NonEmpty)),
    commands: Type.Optional(Type.Array(NonEmpty)),
    computerUse: Type.Optional(Type.Unknown()),
    workerRuns: Type.Optional(
      Type.Object(
        {
          bundleHash: Type.String({ minLength: 64, maxLength: 64, pattern: "^[a-f0-9]{64}$" }),
          openclawVersion: Type.String({ minLength: 1, maxLength: 128 }),
          protocolFeatures: Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 64 }),
          bundlePrewarm: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })),
        },
        closed,
      ),
    ),
    permissions: Type.Optional(Type.Record(Type.String(), Type.Boolean())),
    pathEnv: Type.Optional(Type.String()),
    role: Type.Optional(NonEmpty),
    scopes: Type.Optional(Type.Array(NonEmpty)),
    modelCatalog: Type.Optional(
      Type.Union([
        Type.Object({ agentId: Type.Optional(NonEmpty), sessionKey: Type.Optional(NonEmpty) }, closed),
        Type.Object({ agentId: Type.Optional(NonEmpty), shortId: NonEmpty, slugHint: Type.Optional(NonEmpty) }, closed),
      ]),
    ),
    device: Type.Optional(
      Type.Object(
        { id: NonEmpty, publicKey: NonEmpty, signature: NonEmpty, signedAt: Type.Integer({ minimum: 0 }), nonce: NonEmpty },
        closed,
      ),
    ),
    auth: Type.Optional(
      Type.Object(
        {
          token: Type.Optional(Type.String()),
          bootstrapToken: Type.Optional(Type.String()),
          deviceToken: Type.Optional(Type.String()),
          password: Type.Optional(Type.String()),
          approvalRuntimeToken: Type.Optional(Type.String()),
          agentRuntimeIdentityToken: Type.Optional(Type.String()),
        },
        closed,
      ),
    ),
    locale: Type.Optional(Type.String()),
    userAgent: Type.Optional(Type.String()),
  },
  closed,
);

export type ConnectParams = Static<typeof ConnectParamsSchema>;

export const validateConnectParams = compileSchema(ConnectParamsSchema);
