import { Scope } from "../protocol/scopes.js";
import { defineMethod, EmptyParams } from "./registry.js";

export const systemPresenceMethod = defineMethod({
  name: "system-presence",
  scope: Scope.read,
  params: EmptyParams,
  handler: ({ gateway }) => gateway.presence.list(),
});

/** No heartbeat runner exists yet, so there is never a last heartbeat to report. */
export const lastHeartbeatMethod = defineMethod({
  name: "last-heartbeat",
  scope: Scope.read,
  params: EmptyParams,
  handler: () => null,
});
