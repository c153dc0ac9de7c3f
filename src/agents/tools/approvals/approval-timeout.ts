import { isPlainObject } from "../../../config/objects.js";
import type { GatewayConfig } from "../../../config/schema.js";
import { timerMs } from "../exec/timers.js";

/** OpenClaw's documented expiry for a pending exec approval. */
export const DEFAULT_APPROVAL_TIMEOUT_MS = 30 * 60_000;

/** `tools.exec.approvalTimeoutSeconds`, kept within what a timer can wait. */
export function approvalTimeoutMs(config: GatewayConfig): number {
  const exec = isPlainObject(config.tools) && isPlainObject(config.tools.exec) ? config.tools.exec : {};
  const seconds = exec.approvalTimeoutSeconds;
  return typeof seconds === "number" && Number.isFinite(seconds) && seconds > 0 ? timerMs(Math.round(seconds * 1000)) : DEFAULT_APPROVAL_TIMEOUT_MS;
}
