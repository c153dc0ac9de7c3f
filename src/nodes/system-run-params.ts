import { ErrorCodes, GatewayError } from "../protocol/errors.js";

/** What a `system.run` may carry to a node; anything else is dropped before forwarding. */
const FORWARDED_KEYS = ["command", "rawCommand", "cwd", "env", "timeoutMs", "needsScreenRecording", "agentId", "sessionKey", "runId", "suppressNotifyOnExit"] as const;
const APPROVAL_KEYS = ["approved", "approvalDecision", "approvalSource", "systemRunPlan"] as const;

function invalid(message: string, code: string): GatewayError {
  return new GatewayError({ code: ErrorCodes.invalidRequest, message, details: { code } });
}

/**
 * The params of an operator's `node.invoke system.run`, cut to what a node may be told. Approval
 * fields are refused outright: they would tell the node its owner approved the command, and only
 * the gateway's own exec approval flow (the agent's exec tool) may say that.
 */
export function forwardableSystemRunParams(raw: unknown): Record<string, unknown> {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw invalid("system.run params must be an object with command (an argv array)", "INVALID_PARAMS");
  const params = raw as Record<string, unknown>;
  const claimed = APPROVAL_KEYS.filter((key) => params[key] !== undefined);
  if (claimed.length > 0) {
    throw invalid(`system.run through node.invoke cannot carry ${claimed.join(", ")}: approvals come from the gateway's exec approval flow, not from the caller`, "APPROVAL_NOT_ALLOWED");
  }
  const command = params.command;
  if (!Array.isArray(command) || command.length === 0 || !command.every((part) => typeof part === "string")) throw invalid("system.run needs command: a non-empty array of strings (argv)", "INVALID_PARAMS");
  if (params.rawCommand !== undefined && typeof params.rawCommand !== "string") throw invalid("system.run rawCommand must be a string", "INVALID_PARAMS");
  const out: Record<string, unknown> = {};
  for (const key of FORWARDED_KEYS) if (params[key] !== undefined) out[key] = params[key];
  return out;
}
