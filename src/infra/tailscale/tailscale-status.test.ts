import { test } from "node:test";
import assert from "node:assert/strict";
import { TailscaleCommandError, type TailscaleExec } from "./tailscale-cli.js";
import { tailnetHostname, TailscaleNotReadyError, waitForTailscaleRunning } from "./tailscale-status.js";

/** An exec that answers `status --json` with each scripted answer in turn (the last one repeats). */
function scripted(answers: Array<object | Error>): { exec: TailscaleExec; calls: string[][] } {
  const calls: string[][] = [];
  const exec: TailscaleExec = async (args) => {
    calls.push(args);
    const answer = answers[Math.min(calls.length - 1, answers.length - 1)];
    if (answer instanceof Error) throw answer;
    return { stdout: JSON.stringify(answer), stderr: "" };
  };
  return { exec, calls };
}

const noWait = { wait: async () => {}, pollMs: 1 };

test("a booting daemon (NoState, Starting) is waited for until Running", async () => {
  const { exec, calls } = scripted([{ BackendState: "NoState" }, { BackendState: "Starting" }, { BackendState: "Starting" }, { BackendState: "Running", Self: { DNSName: "h.ts.net." } }]);
  const waiting: string[] = [];
  const status = await waitForTailscaleRunning(exec, { ...noWait, onWaiting: (why) => waiting.push(why) });
  assert.equal(status.BackendState, "Running");
  assert.equal(calls.length, 4);
  assert.ok(calls.every((c) => c.join(" ") === "status --json"));
  assert.deepEqual(waiting, ["NoState", "Starting"]);
});

test("a daemon that does not accept connections yet is waited for too", async () => {
  const refused = new TailscaleCommandError("tailscale status --json failed", { stdout: "", stderr: "failed to connect to local tailscaled; it doesn't appear to be running" });
  const { exec } = scripted([refused, { BackendState: "Running" }]);
  const waiting: string[] = [];
  await waitForTailscaleRunning(exec, { ...noWait, onWaiting: (why) => waiting.push(why) });
  assert.deepEqual(waiting, ["daemon not reachable"]);
});

test("a logged-out or stopped daemon fails closed at once, saying how to fix it", async () => {
  for (const state of ["NeedsLogin", "Stopped", "NeedsMachineAuth"]) {
    const { exec, calls } = scripted([{ BackendState: state }, { BackendState: "Running" }]);
    await assert.rejects(waitForTailscaleRunning(exec, noWait), (err: Error) => {
      assert.ok(err instanceof TailscaleNotReadyError);
      assert.match(err.message, new RegExp(`BackendState "${state}"`));
      assert.match(err.message, /tailscale up/);
      return true;
    });
    assert.equal(calls.length, 1);
  }
});

test("the wait ends at the deadline", async () => {
  let clock = 0;
  const { exec } = scripted([{ BackendState: "Starting" }]);
  const wait = async (ms: number) => void (clock += ms);
  await assert.rejects(waitForTailscaleRunning(exec, { deadlineMs: 90_000, pollMs: 2000, wait, now: () => clock }), /did not become ready within 90s \(Starting\)/);
  assert.equal(clock, 90_000);
});

test("a missing CLI is not waited for", async () => {
  const missing = new TailscaleCommandError("Tailscale CLI not found on PATH.", { stdout: "", stderr: "" }, false, true);
  const { exec, calls } = scripted([missing]);
  await assert.rejects(waitForTailscaleRunning(exec, noWait), /not found on PATH/);
  assert.equal(calls.length, 1);
});

test("the hostname is the MagicDNS name without its dot, else the first Tailscale IP", () => {
  assert.equal(tailnetHostname({ Self: { DNSName: "gw.tail1234.ts.net." } }), "gw.tail1234.ts.net");
  assert.equal(tailnetHostname({ Self: { DNSName: "", TailscaleIPs: ["100.64.0.7", "fd7a::1"] } }), "100.64.0.7");
  assert.equal(tailnetHostname({}), undefined);
});
