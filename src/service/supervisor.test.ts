import { test } from "node:test";
import assert from "node:assert/strict";
import { detectSupervisor } from "./supervisor.js";

test("no markers: unsupervised", () => {
  assert.equal(detectSupervisor({}, "linux"), null);
  assert.equal(detectSupervisor({ HOME: "/h", PATH: "/bin" }, "darwin"), null);
});

test("systemd markers", () => {
  for (const key of ["OPENCLAW_SYSTEMD_UNIT", "INVOCATION_ID", "SYSTEMD_EXEC_PID", "JOURNAL_STREAM"]) {
    assert.equal(detectSupervisor({ [key]: "x" }, "linux"), "systemd", key);
  }
  assert.equal(detectSupervisor({ OPENCLAW_SERVICE_MARKER: "openclaw", OPENCLAW_SERVICE_KIND: "gateway" }, "linux"), "systemd");
  assert.equal(detectSupervisor({ OPENCLAW_SERVICE_MARKER: "openclaw", OPENCLAW_SERVICE_KIND: "node" }, "linux"), null);
});

test("launchd markers", () => {
  assert.equal(detectSupervisor({ OPENCLAW_LAUNCHD_LABEL: "ai.openclaw.gateway" }, "darwin"), "launchd");
  assert.equal(detectSupervisor({ XPC_SERVICE_NAME: "ai.openclaw.gateway" }, "darwin"), "launchd");
  assert.equal(detectSupervisor({ LAUNCH_JOB_LABEL: "ai.openclaw.work" }, "darwin", "ai.openclaw.work"), "launchd");
  assert.equal(detectSupervisor({ LAUNCH_JOB_LABEL: "com.other.job" }, "darwin"), null);
  assert.equal(detectSupervisor({ XPC_SERVICE_NAME: "com.apple.Terminal" }, "darwin"), null);
  assert.equal(detectSupervisor({ OPENCLAW_SERVICE_MARKER: "openclaw", OPENCLAW_SERVICE_KIND: "gateway" }, "darwin"), "launchd");
});

test("schtasks markers and the external override", () => {
  assert.equal(detectSupervisor({ OPENCLAW_WINDOWS_TASK_NAME: "OpenClaw Gateway" }, "win32"), "schtasks");
  assert.equal(detectSupervisor({ OPENCLAW_SUPERVISOR_MODE: "external", INVOCATION_ID: "abc", OPENCLAW_LAUNCHD_LABEL: "x" }, "linux"), "external");
});
