import { channelsStatusMethod } from "./channels-status.js";
import { configGetMethod } from "./config-get.js";
import { configApplyMethod, configPatchMethod, configSchemaMethod, configSetMethod } from "./config-write.js";
import { healthMethod } from "./health.js";
import { logsTailMethod } from "./logs-tail.js";
import { lastHeartbeatMethod, systemPresenceMethod } from "./presence.js";
import { MethodRegistry } from "./registry.js";
import { statusMethod } from "./status.js";
import { systemEventMethod } from "./system-event.js";

export function createCoreRegistry(): MethodRegistry {
  return new MethodRegistry().register(
    healthMethod,
    statusMethod,
    systemPresenceMethod,
    systemEventMethod,
    lastHeartbeatMethod,
    configGetMethod,
    configSetMethod,
    configApplyMethod,
    configPatchMethod,
    configSchemaMethod,
    logsTailMethod,
    channelsStatusMethod,
  );
}
