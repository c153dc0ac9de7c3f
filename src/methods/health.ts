import { Type } from "@sinclair/typebox";
import { compileSchema } from "../protocol/validate.js";
import { refreshHealth } from "../server/context.js";
import { defineMethod } from "./registry.js";

const HealthParams = compileSchema(Type.Object({ probe: Type.Optional(Type.Boolean()) }, { additionalProperties: false }));

/** Serves the cached snapshot; `probe:true` refreshes it first and broadcasts the new one. */
export const healthMethod = defineMethod({
  name: "health",
  scope: "any",
  params: HealthParams,
  handler({ params, gateway }) {
    if (params.probe) {
      refreshHealth(gateway);
    }
    return gateway.health.currentJson;
  },
});
