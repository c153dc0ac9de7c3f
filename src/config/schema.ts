import { Type, type Static } from "@sinclair/typebox";
import { compileSchema } from "../protocol/validate.js";
import { hooksConfigIssues } from "../http/hooks/config.js";

const closed = { additionalProperties: false } as const;
const Port = Type.Integer({ minimum: 1, maximum: 65535 });
const PositiveInt = Type.Integer({ minimum: 1 });
const Enum = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));
/** Sections owned by subsystems that later work fills in; accepted as objects until then. */
const OpenSection = Type.Record(Type.String(), Type.Unknown());

export const BIND_MODES = ["loopback", "lan", "tailnet", "auto", "custom"] as const;
export const AUTH_MODES = ["token", "password", "none", "trusted-proxy"] as const;
export const LOG_LEVELS = ["silent", "fatal", "error", "warn", "info", "debug", "trace"] as const;

const GatewayAuth = Type.Object(
  {
    mode: Type.Optional(Enum(AUTH_MODES)),
    token: Type.Optional(Type.String()),
    password: Type.Optional(Type.String()),
    allowTailscale: Type.Optional(Type.Boolean()),
    identityScopes: Type.Optional(Type.Record(Type.String(), Type.Array(Type.String()))),
    trustedProxy: Type.Optional(
      Type.Object(
        {
          userHeader: Type.Optional(Type.String({ minLength: 1 })),
          requiredHeaders: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
          allowUsers: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
          allowLoopback: Type.Optional(Type.Boolean()),
          deviceAutoApprove: Type.Optional(OpenSection),
        },
        closed,
      ),
    ),
    rateLimit: Type.Optional(
      Type.Object(
        {
          maxAttempts: Type.Optional(PositiveInt),
          windowMs: Type.Optional(PositiveInt),
          lockoutMs: Type.Optional(PositiveInt),
          exemptLoopback: Type.Optional(Type.Boolean()),
        },
        closed,
      ),
    ),
  },
  closed,
);

export const TAILSCALE_MODES = ["off", "serve", "funnel"] as const;

const GatewayTls = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean()),
    autoGenerate: Type.Optional(Type.Boolean()),
    certPath: Type.Optional(Type.String({ minLength: 1 })),
    keyPath: Type.Optional(Type.String({ minLength: 1 })),
    caPath: Type.Optional(Type.String({ minLength: 1 })),
  },
  closed,
);

const GatewayRemote = Type.Object(
  {
    url: Type.Optional(Type.String({ minLength: 1 })),
    transport: Type.Optional(Enum(["ssh", "direct"] as const)),
    token: Type.Optional(Type.String()),
    password: Type.Optional(Type.String()),
    remotePort: Type.Optional(Port),
    sshTarget: Type.Optional(Type.String({ minLength: 1 })),
    sshIdentity: Type.Optional(Type.String({ minLength: 1 })),
    sshHostKeyPolicy: Type.Optional(Enum(["strict", "openssh"] as const)),
    tlsFingerprint: Type.Optional(Type.String({ minLength: 1 })),
    edgeAuth: Type.Optional(Type.Record(Type.String(), Type.String())),
  },
  closed,
);

const GatewayTailscale = Type.Object(
  {
    mode: Type.Optional(Enum(TAILSCALE_MODES)),
    resetOnExit: Type.Optional(Type.Boolean()),
    preserveFunnel: Type.Optional(Type.Boolean()),
  },
  closed,
);

const Gateway = Type.Object(
  {
    mode: Type.Optional(Enum(["local", "remote"] as const)),
    port: Type.Optional(Port),
    bind: Type.Optional(Enum(BIND_MODES)),
    customBindHost: Type.Optional(Type.String({ minLength: 1 })),
    publicOrigin: Type.Optional(Type.String()),
    auth: Type.Optional(GatewayAuth),
    reload: Type.Optional(Type.Object({ mode: Type.Optional(Enum(["hybrid", "off"] as const)) }, closed)),
    remote: Type.Optional(GatewayRemote),
    tailscale: Type.Optional(GatewayTailscale),
    tls: Type.Optional(GatewayTls),
    controlUi: Type.Optional(OpenSection),
    http: Type.Optional(
      Type.Object({
        endpoints: Type.Optional(
          Type.Object({
            chatCompletions: Type.Optional(
              Type.Object({
                enabled: Type.Optional(Type.Boolean()),
                images: Type.Optional(Type.Object({ allowUrl: Type.Optional(Type.Boolean()), maxBytes: Type.Optional(PositiveInt) })),
              }),
            ),
            responses: Type.Optional(
              Type.Object({
                enabled: Type.Optional(Type.Boolean()),
                maxUrlParts: Type.Optional(Type.Integer({ minimum: 0 })),
                images: Type.Optional(Type.Object({ allowUrl: Type.Optional(Type.Boolean()), maxBytes: Type.Optional(PositiveInt) })),
              }),
            ),
          }),
        ),
        securityHeaders: Type.Optional(Type.Object({ strictTransportSecurity: Type.Optional(Type.Union([Type.String(), Type.Literal(false)])) })),
      }),
    ),
    nodes: Type.Optional(OpenSection),
    tools: Type.Optional(OpenSection),
    push: Type.Optional(OpenSection),
    terminal: Type.Optional(OpenSection),
    trustedProxies: Type.Optional(Type.Array(Type.String())),
    allowRealIpFallback: Type.Optional(Type.Boolean()),
  },
  closed,
);

const Logging = Type.Object(
  {
    level: Type.Optional(Enum(LOG_LEVELS)),
    consoleLevel: Type.Optional(Enum(LOG_LEVELS)),
    consoleStyle: Type.Optional(Enum(["pretty", "compact", "json"] as const)),
    file: Type.Optional(Type.String({ minLength: 1 })),
    maxFileBytes: Type.Optional(PositiveInt),
    redactPatterns: Type.Optional(Type.Array(Type.String())),
  },
  closed,
);

export const ConfigSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    meta: Type.Optional(OpenSection),
    gateway: Type.Optional(Gateway),
    logging: Type.Optional(Logging),
    env: Type.Optional(OpenSection),
    agents: Type.Optional(OpenSection),
    channels: Type.Optional(OpenSection),
    models: Type.Optional(OpenSection),
    messages: Type.Optional(OpenSection),
    session: Type.Optional(OpenSection),
    hooks: Type.Optional(OpenSection),
    tools: Type.Optional(OpenSection),
    commands: Type.Optional(OpenSection),
    diagnostics: Type.Optional(OpenSection),
    discovery: Type.Optional(OpenSection),
    update: Type.Optional(OpenSection),
    plugins: Type.Optional(OpenSection),
    secrets: Type.Optional(OpenSection),
    auth: Type.Optional(OpenSection),
    wizard: Type.Optional(OpenSection),
  },
  closed,
);

export type GatewayConfig = Static<typeof ConfigSchema>;

export const configValidator = compileSchema(ConfigSchema);

export type ConfigIssue = { path: string; message: string };

/** `/gateway/auth/mode: ...` → `{path: "gateway.auth.mode", message}` */
function toIssue(problem: string): ConfigIssue {
  const split = problem.indexOf(": ");
  const pointer = problem.slice(0, split);
  const path = pointer === "/" ? "<root>" : pointer.slice(1).split("/").join(".");
  return { path, message: problem.slice(split + 2) };
}

function isIPv4(host: string): boolean {
  const parts = host.split(".");
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

export function validateConfig(value: unknown): ConfigIssue[] {
  const issues = configValidator.problems(value).map(toIssue);
  if (issues.length > 0) return issues;
  const gateway = (value as GatewayConfig).gateway;
  if (gateway?.bind === "custom" && (!gateway.customBindHost || !isIPv4(gateway.customBindHost))) {
    issues.push({ path: "gateway.customBindHost", message: "bind=custom requires an IPv4 address in gateway.customBindHost" });
  }
  issues.push(...hooksConfigIssues((value as GatewayConfig).hooks));
  return issues;
}
