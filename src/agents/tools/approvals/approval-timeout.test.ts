import { test } from "node:test";
import assert from "node:assert/strict";
import type { GatewayConfig } from "../../../config/schema.js";
import { approvalTimeoutMs, DEFAULT_APPROVAL_TIMEOUT_MS } from "./approval-timeout.js";

test("tools.exec.approvalTimeoutSeconds, defaulting to 30 min and capped at what a timer can wait", () => {
  const withSeconds = (approvalTimeoutSeconds: unknown) => approvalTimeoutMs({ tools: { exec: { approvalTimeoutSeconds } } } as GatewayConfig);
  assert.equal(approvalTimeoutMs({} as GatewayConfig), DEFAULT_APPROVAL_TIMEOUT_MS);
  assert.equal(withSeconds(90), 90_000);
  assert.equal(withSeconds(-1), DEFAULT_APPROVAL_TIMEOUT_MS);
  assert.equal(withSeconds(1e9), 2 ** 31 - 1);
});
