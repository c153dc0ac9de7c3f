import { Type } from "@sinclair/typebox";
import { compileSchema } from "../protocol/validate.js";
import { Scope } from "../protocol/scopes.js";
import { defineMethod } from "./registry.js";

const Empty = compileSchema(Type.Object({}, { additionalProperties: false }));

export const systemPresenceMethod = defineMethod({
  name: "system-presence",
  scope: Scope.read,
  params: Empty,
  handler: ({ gateway }) => gateway.presence.list(),
});

/** No heartbeat runner exists yet, so there is never a last heartbeat to report. */
export const lastHeartbeatMethod = defineMethod({
  name: "last-heartbeat",
  scope: Scope.read,
  params: Empty,
  handler: () => null,
});

export { Empty as EmptyParams };
