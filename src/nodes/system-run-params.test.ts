import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GatewayError } from "../protocol/errors.js";
import { forwardableSystemRunParams } from "./system-run-params.js";

const refusedWith = (code: string) => (e: unknown) => e instanceof GatewayError && e.shape.code === "INVALID_REQUEST" && (e.shape.details as { code?: string }).code === code;

describe("forwardableSystemRunParams", () => {
  for (const key of ["approved", "approvalDecision", "approvalSource", "systemRunPlan"]) {
    it(`refuses ${key} with APPROVAL_NOT_ALLOWED`, () => {
      const value = key === "approved" ? true : key === "systemRunPlan" ? { argv: ["rm", "-rf", "/"] } : "allow-always";
      assert.throws(() => forwardableSystemRunParams({ command: ["echo", "hi"], [key]: value }), (e: unknown) => refusedWith("APPROVAL_NOT_ALLOWED")(e) && (e as Error).message.includes(key));
    });
  }

  it("refuses approval fields even when the command is also invalid, and with a falsy value", () => {
    assert.throws(() => forwardableSystemRunParams({ approved: false }), refusedWith("APPROVAL_NOT_ALLOWED"));
    assert.throws(() => forwardableSystemRunParams({ command: ["true"], approvalDecision: "" }), refusedWith("APPROVAL_NOT_ALLOWED"));
  });

  it("names every approval field claimed", () => {
    assert.throws(
      () => forwardableSystemRunParams({ command: ["true"], approved: true, approvalSource: "operator" }),
      (e: unknown) => refusedWith("APPROVAL_NOT_ALLOWED")(e) && /approved, approvalSource/.test((e as Error).message),
    );
  });

  it("keeps the allowed keys and drops unknown ones", () => {
    const allowed = {
      command: ["/bin/sh", "-lc", "echo hi"],
      rawCommand: "echo hi",
      cwd: "/tmp",
      env: { FOO: "bar" },
      timeoutMs: 5_000,
      needsScreenRecording: false,
      agentId: "main",
      sessionKey: "agent:main:main",
      runId: "run-1",
      suppressNotifyOnExit: true,
    };
    const out = forwardableSystemRunParams({ ...allowed, shell: "/bin/zsh", elevated: true, __proto_like: 1 });
    assert.deepEqual(out, allowed);
    assert.equal("shell" in out, false);
    assert.equal("elevated" in out, false);
  });

  it("leaves out keys that are undefined", () => {
    assert.deepEqual(forwardableSystemRunParams({ command: ["ls"], cwd: undefined }), { command: ["ls"] });
  });

  it("refuses a missing, non-array, empty or non-string command", () => {
    for (const command of [undefined, "echo hi", [], ["echo", 1], { 0: "echo" }, null]) {
      assert.throws(() => forwardableSystemRunParams({ command }), refusedWith("INVALID_PARAMS"), JSON.stringify(command));
    }
  });

  it("refuses params that are not an object, and a non-string rawCommand", () => {
    for (const raw of [null, undefined, "echo", 42, ["echo"]]) assert.throws(() => forwardableSystemRunParams(raw), refusedWith("INVALID_PARAMS"), String(raw));
    assert.throws(() => forwardableSystemRunParams({ command: ["echo"], rawCommand: ["echo"] }), refusedWith("INVALID_PARAMS"));
  });
});
