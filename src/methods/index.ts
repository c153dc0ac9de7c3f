import { agentIdentityMethod, agentMethod, agentsListMethod, agentWaitMethod } from "./agent.js";
import { chatAbortMethod, chatInjectMethod, chatSendMethod } from "./chat.js";
import { chatHistoryMethod, chatMessageGetMethod, chatMetadataMethod, chatStartupMethod } from "./chat-history.js";
import { channelsStatusMethod } from "./channels-status.js";
import { channelsLogoutMethod, channelsStartMethod, channelsStopMethod } from "./channels-control.js";
import { channelsPairingApproveMethod, channelsPairingDismissMethod, channelsPairingListMethod } from "./channels-pairing.js";
import { messageActionMethod, sendMethod } from "./send.js";
import { webLoginStartMethod, webLoginWaitMethod } from "./web-login.js";
import { deviceMethods } from "./devices.js";
import { nodeMethods } from "./nodes.js";
import { nodeExecApprovalMethods } from "./node-exec-approvals.js";
import { absentFeatureMethods } from "./absent-features.js";
import { modelsAuthStatusMethod, modelsListMethod } from "./models.js";
import {
  sessionsDescribeMethod,
  sessionsListMethod,
  sessionsMessagesSubscribeMethod,
  sessionsMessagesUnsubscribeMethod,
  sessionsPreviewMethod,
  sessionsSubscribeMethod,
  sessionsUnsubscribeMethod,
} from "./sessions.js";
import { sessionsAbortMethod, sessionsCompactMethod, sessionsDeleteMethod, sessionsPatchMethod, sessionsResetMethod } from "./sessions-edit.js";
import { sessionsSearchMethod, sessionsUsageMethod } from "./sessions-search.js";
import { configGetMethod } from "./config-get.js";
import { approvalGetMethod, approvalResolveMethod } from "./approval-unified.js";
import { execApprovalMethods } from "./exec-approvals.js";
import { configApplyMethod, configPatchMethod, configSchemaMethod, configSetMethod } from "./config-write.js";
import { healthMethod } from "./health.js";
import { logsTailMethod } from "./logs-tail.js";
import { lastHeartbeatMethod, systemPresenceMethod } from "./presence.js";
import { MethodRegistry } from "./registry.js";
import { statusMethod } from "./status.js";
import { systemEventMethod } from "./system-event.js";
import { toolsCatalogMethod, toolsInvokeMethod } from "./tools.js";

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
    channelsStartMethod,
    channelsStopMethod,
    channelsLogoutMethod,
    channelsPairingListMethod,
    channelsPairingApproveMethod,
    channelsPairingDismissMethod,
    sendMethod,
    messageActionMethod,
    webLoginStartMethod,
    webLoginWaitMethod,
    ...deviceMethods,
    ...nodeMethods,
    ...nodeExecApprovalMethods,
    ...absentFeatureMethods,
    agentMethod,
    agentWaitMethod,
    agentIdentityMethod,
    agentsListMethod,
    chatSendMethod,
    chatAbortMethod,
    chatInjectMethod,
    chatHistoryMethod,
    chatStartupMethod,
    chatMessageGetMethod,
    chatMetadataMethod,
    sessionsListMethod,
    sessionsSubscribeMethod,
    sessionsUnsubscribeMethod,
    sessionsMessagesSubscribeMethod,
    sessionsMessagesUnsubscribeMethod,
    sessionsDescribeMethod,
    sessionsPreviewMethod,
    sessionsPatchMethod,
    sessionsResetMethod,
    sessionsDeleteMethod,
    sessionsAbortMethod,
    sessionsCompactMethod,
    sessionsUsageMethod,
    sessionsSearchMethod,
    modelsListMethod,
    modelsAuthStatusMethod,
    ...execApprovalMethods,
    approvalGetMethod,
    approvalResolveMethod,
    toolsCatalogMethod,
    toolsInvokeMethod,
  );
}
