/**
 * hello-ok payload schema transcribed from /work/shared/spec/method-schemas.md ("### connect", Result),
 * CLOSED at every level (protocol.md §2.4: "additionalProperties false, including inside server,
 * features, snapshot, auth and policy"). Written independently of src/ on purpose.
 */
import { Type, type TSchema } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";

const closed = { additionalProperties: false } as const;
const Str = Type.String({ minLength: 1 });
const AnyStr = Type.String();
const Int0 = Type.Integer({ minimum: 0 });
const Num0 = Type.Number({ minimum: 0 });
const Obj = <T extends Record<string, TSchema>>(props: T) => Type.Object(props, closed);
const Opt = Type.Optional;
const Lit = <T extends string>(...values: T[]) => Type.Union(values.map((v) => Type.Literal(v)));

export const PresenceEntrySchema = Obj({
  host: Opt(Str),
  clientId: Opt(Str),
  ip: Opt(Str),
  version: Opt(Str),
  platform: Opt(Str),
  deviceFamily: Opt(Str),
  modelIdentifier: Opt(Str),
  timeZone: Opt(Str),
  mode: Opt(Str),
  lastInputSeconds: Opt(Int0),
  reason: Opt(Str),
  tags: Opt(Type.Array(Str)),
  text: Opt(AnyStr),
  ts: Int0,
  onlineSince: Opt(Int0),
  lastActivityAt: Opt(Int0),
  deviceId: Opt(Str),
  roles: Opt(Type.Array(Str)),
  scopes: Opt(Type.Array(Str)),
  instanceId: Opt(Str),
  user: Opt(
    Obj({
      id: Str,
      identity: Opt(Obj({ type: Type.Literal("profile"), id: Str })),
      email: Opt(Str),
      name: Opt(Str),
      avatarUrl: Opt(Str),
    }),
  ),
  watchedSessions: Opt(Type.Array(Str)),
});

const SessionsBlock = Obj({
  path: AnyStr,
  count: Int0,
  recent: Type.Array(Obj({ key: AnyStr, updatedAt: Type.Union([Int0, Type.Null()]), age: Type.Union([Int0, Type.Null()]) })),
});

export const EventLoopSchema = Obj({
  degraded: Type.Boolean(),
  degradedSinceMs: Opt(Type.Union([Int0, Type.Null()])),
  reasons: Type.Array(Lit("event_loop_delay", "event_loop_utilization", "cpu")),
  intervalMs: Num0,
  delayP99Ms: Num0,
  delayMaxMs: Num0,
  utilization: Num0,
  cpuCoreRatio: Num0,
  cpuBreakdown: Opt(
    Obj({
      mainThreadCoreRatio: Opt(Num0),
      workerCoreRatio: Opt(Num0),
      otherThreadsCoreRatio: Opt(Num0),
      hostUtilization: Opt(Type.Number({ minimum: 0, maximum: 1 })),
      hostCpuCount: Opt(Type.Integer({ minimum: 1 })),
    }),
  ),
});

export const HealthSchema = Obj({
  ok: Opt(Type.Literal(true)),
  ts: Opt(Int0),
  durationMs: Opt(Int0),
  eventLoop: Opt(EventLoopSchema),
  plugins: Opt(
    Obj({
      loaded: Type.Array(AnyStr),
      errors: Type.Array(
        Obj({
          id: AnyStr,
          origin: AnyStr,
          activated: Type.Boolean(),
          activationSource: Opt(AnyStr),
          activationReason: Opt(AnyStr),
          failurePhase: Opt(AnyStr),
          error: AnyStr,
        }),
      ),
      unavailable: Opt(
        Type.Array(
          Obj({
            id: AnyStr,
            state: Type.Literal("configured-unavailable"),
            diagnostic: Obj({ kind: Type.Literal("plugin-verification"), reason: AnyStr, detail: AnyStr }),
          }),
        ),
      ),
    }),
  ),
  contextEngines: Opt(
    Obj({ quarantined: Type.Array(Obj({ engineId: AnyStr, owner: Opt(AnyStr), operation: AnyStr, reason: AnyStr, failedAt: Int0 })) }),
  ),
  deliveryQueues: Opt(
    Obj({
      failed: Type.Array(Obj({ queueName: AnyStr, count: Int0, oldestFailedAt: Opt(Int0) })),
      ingressFailed: Opt(Type.Array(Obj({ channelId: AnyStr, accountId: AnyStr, count: Int0, oldestFailedAt: Opt(Int0) }))),
      ingressPressure: Opt(
        Type.Array(
          Obj({
            channelId: AnyStr,
            accountId: AnyStr,
            laneCount: Int0,
            pendingCount: Int0,
            claimedCount: Int0,
            blockedCount: Int0,
            oldestReceivedAt: Int0,
          }),
        ),
      ),
    }),
  ),
  modelPricing: Opt(
    Obj({
      state: Lit("ok", "degraded", "disabled"),
      sources: Type.Array(
        Obj({ source: Lit("openrouter", "litellm", "bootstrap", "refresh"), state: Lit("ok", "degraded"), lastFailureAt: Opt(Int0), detail: Opt(AnyStr) }),
      ),
      lastFailureAt: Opt(Int0),
      detail: Opt(AnyStr),
    }),
  ),
  configReload: Opt(Obj({ hotReloadStatus: Lit("active", "disabled") })),
  channels: Opt(Type.Record(Type.String(), Type.Unknown())),
  channelOrder: Opt(Type.Array(AnyStr)),
  channelLabels: Opt(Type.Record(Type.String(), AnyStr)),
  heartbeatSeconds: Opt(Int0),
  defaultAgentId: Opt(AnyStr),
  agents: Opt(
    Type.Array(
      Obj({
        agentId: AnyStr,
        name: Opt(AnyStr),
        isDefault: Type.Boolean(),
        heartbeat: Obj({
          enabled: Type.Boolean(),
          every: AnyStr,
          everyMs: Type.Union([Int0, Type.Null()]),
          prompt: AnyStr,
          target: AnyStr,
          model: Opt(AnyStr),
          session: Opt(AnyStr),
          ackMaxChars: Int0,
        }),
        sessions: SessionsBlock,
      }),
    ),
  ),
  sessions: Opt(SessionsBlock),
});

export const ALLOWED_TOP_LEVEL_KEYS = [
  "type", "protocol", "server", "features", "snapshot", "controlUiUrl", "controlUiTabs", "controlUiWidgetKinds",
  "controlUiLinkReaders", "pluginSurfaceUrls", "auth", "policy",
];
export const ALLOWED_SERVER_KEYS = ["version", "buildId", "bootId", "controlUiBuildSource", "connId"];
export const ALLOWED_SNAPSHOT_KEYS = [
  "suspension", "presence", "health", "stateVersion", "uptimeMs", "appliedConfigHash", "configPath", "stateDir",
  "sessionDefaults", "controlUiIdentityUrl", "authMode", "updateAvailable", "updateSchedule",
];
export const ALLOWED_AUTH_KEYS = ["method", "deviceToken", "recoveryMigrationAllowed", "recoveryScope", "role", "scopes", "issuedAtMs", "deviceTokens"];
export const ALLOWED_POLICY_KEYS = ["maxPayload", "maxBufferedBytes", "tickIntervalMs", "attachments", "allowedSessionVisibilities", "hasMultipleSessionSharingIdentities"];

export const HelloOkSchema = Obj({
  type: Type.Literal("hello-ok"),
  protocol: Type.Integer({ minimum: 1 }),
  server: Obj({
    version: Str,
    buildId: Opt(Type.String({ minLength: 1, maxLength: 96 })),
    bootId: Opt(Type.String({ minLength: 1, maxLength: 96 })),
    controlUiBuildSource: Opt(Lit("bundled", "configured")),
    connId: Str,
  }),
  features: Obj({ methods: Type.Array(Str), events: Type.Array(Str), capabilities: Opt(Type.Array(Str)) }),
  snapshot: Obj({
    suspension: Opt(Obj({ phase: Lit("accepting", "preparing", "draining", "prepared") })),
    presence: Type.Array(PresenceEntrySchema),
    health: HealthSchema,
    stateVersion: Obj({ presence: Int0, health: Int0 }),
    uptimeMs: Int0,
    appliedConfigHash: Opt(Type.Union([Str, Type.Null()])),
    configPath: Opt(Str),
    stateDir: Opt(Str),
    sessionDefaults: Opt(
      Obj({
        defaultAgentId: Str,
        modelConfigured: Opt(Type.Boolean()),
        ownership: Opt(Lit("sole", "legacy", "explicit")),
        selectionRequired: Opt(Type.Boolean()),
        mainKey: Str,
        mainSessionKey: Str,
        scope: Opt(Str),
      }),
    ),
    controlUiIdentityUrl: Opt(Str),
    authMode: Opt(Lit("none", "token", "password", "trusted-proxy")),
    updateAvailable: Opt(
      Obj({
        currentVersion: Str,
        latestVersion: Str,
        channel: Str,
        currentSha: Opt(Str),
        upstreamRef: Opt(Str),
        upstreamSha: Opt(Str),
        repositoryUrl: Opt(Str),
        commitsBehind: Opt(Int0),
        commits: Opt(Type.Array(Obj({ sha: Str, subject: Type.String({ maxLength: 120 }) }), { maxItems: 5 })),
      }),
    ),
    updateSchedule: Opt(
      Obj({ channel: Str, autoEnabled: Type.Boolean(), install: Opt(Type.Unknown()), target: Opt(Type.Unknown()), campaign: Opt(Type.Unknown()) }),
    ),
  }),
  controlUiUrl: Opt(Str),
  controlUiTabs: Opt(Type.Array(Type.Unknown())),
  controlUiWidgetKinds: Opt(Type.Array(Obj({ pluginId: Str, kind: Str, label: Str }))),
  controlUiLinkReaders: Opt(Type.Array(Type.Unknown())),
  pluginSurfaceUrls: Opt(Type.Record(Type.String(), Str)),
  auth: Obj({
    method: Opt(Lit("none", "token", "password", "tailscale", "device-token", "bootstrap-token", "trusted-proxy")),
    deviceToken: Opt(Str),
    recoveryMigrationAllowed: Opt(Type.Literal(true)),
    recoveryScope: Opt(Str),
    role: Str,
    scopes: Type.Array(Str),
    issuedAtMs: Opt(Int0),
    deviceTokens: Opt(Type.Array(Obj({ deviceToken: Str, role: Str, scopes: Type.Array(Str), issuedAtMs: Int0 }))),
  }),
  policy: Obj({
    maxPayload: Type.Integer({ minimum: 1 }),
    maxBufferedBytes: Type.Integer({ minimum: 1 }),
    tickIntervalMs: Type.Integer({ minimum: 1 }),
    attachments: Opt(Obj({ maxBytes: Type.Integer({ minimum: 1 }), maxImageBytes: Type.Integer({ minimum: 1 }) })),
    allowedSessionVisibilities: Opt(Type.Array(Lit("shared", "read-only", "suggest", "draft"))),
    hasMultipleSessionSharingIdentities: Opt(Type.Boolean()),
  }),
});

const compiledHello = TypeCompiler.Compile(HelloOkSchema);
const compiledPresence = TypeCompiler.Compile(PresenceEntrySchema);
const compiledHealth = TypeCompiler.Compile(HealthSchema);

function problems(compiled: ReturnType<typeof TypeCompiler.Compile>, value: unknown): string[] {
  return [...compiled.Errors(value)].slice(0, 20).map((e) => `${e.path || "/"}: ${e.message} (got ${JSON.stringify(e.value)?.slice(0, 80)})`);
}

/** Schema problems of a hello-ok payload; empty when it conforms. */
export const helloOkProblems = (value: unknown) => problems(compiledHello, value);
export const presenceEntryProblems = (value: unknown) => problems(compiledPresence, value);
export const healthProblems = (value: unknown) => problems(compiledHealth, value);

/** The event names OpenClaw 2026.9.6 may advertise (protocol.md §8.1). */
export const GATEWAY_EVENTS = `connect.challenge agent chat chat.metadata.changed models.snapshot ui.command session.approval
session.message session.observer session.operation session.sharing session.sharing.evidence
session.suggestion session.typing session.tool sessions.changed controlUi.sessionPullRequests.changed
plugins.controlUi.changed presence tick talk.mode talk.event talk.voice.change shutdown
gateway.suspension health heartbeat cron task task.suggestion node.pair.requested node.pair.resolved
node.presence node.hostStats node.runnerInventory.changed node.invoke.cancel node.invoke.input
node.invoke.request device.pair.changed device.pair.requested device.pair.resolved
device.pair.setup.completed device.pair.setup.deliveryUncertain users.prefs.changed skills.changed
plugins.changed plugins.install.progress voicewake.changed voicewake.routing.changed
exec.approval.requested exec.approval.resolved question.requested question.resolved
plugin.approval.requested plugin.approval.resolved openclaw.approval.requested
openclaw.approval.resolved terminal.data terminal.exit update.available update.run.changed
portal.changed progressCard.changed mentions.changed`.split(/\s+/);
