import { Type } from "@sinclair/typebox";
import { compileSchema } from "../protocol/validate.js";
import { Scope } from "../protocol/scopes.js";
import type { PresenceEntry } from "../server/presence.js";
import { broadcastPresence } from "../server/context.js";
import { defineMethod } from "./registry.js";

const Text = Type.String({ minLength: 1 });
const SystemEventParams = compileSchema(
  Type.Object(
    {
      text: Type.String({ minLength: 1, maxLength: 10_000 }),
      idempotencyKey: Type.Optional(Text),
      sessionKey: Type.Optional(Text),
      wake: Type.Optional(Type.Union([Type.Boolean(), Type.String()])),
      deviceId: Type.Optional(Text),
      instanceId: Type.Optional(Text),
      host: Type.Optional(Text),
      ip: Type.Optional(Text),
      mode: Type.Optional(Text),
      version: Type.Optional(Text),
      platform: Type.Optional(Text),
      deviceFamily: Type.Optional(Text),
      modelIdentifier: Type.Optional(Text),
      lastInputSeconds: Type.Optional(Type.Integer({ minimum: 0 })),
      reason: Type.Optional(Text),
      roles: Type.Optional(Type.Array(Text)),
      scopes: Type.Optional(Type.Array(Text)),
      tags: Type.Optional(Type.Array(Text)),
    },
    { additionalProperties: false },
  ),
);

const PRESENCE_FIELDS = ["host", "ip", "mode", "version", "platform", "deviceFamily", "modelIdentifier", "lastInputSeconds", "reason", "roles", "scopes", "tags", "deviceId", "instanceId"] as const;

/** Queues a text for the next agent turn; when it names a device or instance, updates its presence. */
export const systemEventMethod = defineMethod({
  name: "system-event",
  scope: Scope.admin,
  params: SystemEventParams,
  handler({ params, gateway }) {
    gateway.systemEvents.enqueue(params.text, params.idempotencyKey);
    const key = params.deviceId ?? params.instanceId;
    if (key) {
      const entry: PresenceEntry = { ts: Date.now(), text: params.text };
      for (const field of PRESENCE_FIELDS) if (params[field] !== undefined) (entry as Record<string, unknown>)[field] = params[field];
      gateway.presence.upsert(key, entry);
      broadcastPresence(gateway);
    }
    return { ok: true };
  },
});
