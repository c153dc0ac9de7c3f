/**
 * Hooks configuration against real `openclaw` processes: validation refuses `hooks.enabled`
 * without a token, a reused gateway token is a start-up warning, and edits to `hooks` apply to
 * the running gateway without a restart (operations.md §3.3: `hooks` is hot).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { baseConfig, dump, logCount, makeConfiguredSandbox, runOpenclaw, startSandboxGateway, useProcessCleanup, waitForLog, waitUntil, writeByRename } from "./process-harness.js";

useProcessCleanup({ eachTest: true });

function hooksConfigFor(port: number, token: string, logFile: string, hooks: Record<string, unknown>) {
  return { ...baseConfig(port, token, logFile), hooks };
}

async function wake(port: number, path: string, token: string, text = "ping"): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}${path}/wake`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: JSON.stringify({ text }) });
  await res.arrayBuffer();
  return res.status;
}

describe("hooks config (real gateway process)", () => {
  test("config validate refuses hooks.enabled without a token, naming hooks.token", async () => {
    const { sb } = await makeConfiguredSandbox({ config: (port, token, logFile) => hooksConfigFor(port, token, logFile, { enabled: true }) });
    const result = await runOpenclaw(["config", "validate"], sb.env);
    assert.equal(result.code, 78, dump(result));
    assert.match(result.stdout + result.stderr, /hooks\.token/, dump(result));
  });

  test("a hook token equal to the gateway token starts with a warning", async () => {
    const { sb, port, token } = await startSandboxGateway({ config: (port, token, logFile) => hooksConfigFor(port, token, logFile, { enabled: true, token }) });
    const line = await waitForLog(sb.logFile, "hooks.token matches the gateway auth secret");
    assert.equal(line.level, "warn");
    assert.doesNotMatch(JSON.stringify(line), new RegExp(token), "the token itself is not logged");
    assert.equal(await wake(port, "/hooks", token), 200);
  });

  test("edits to hooks apply live: a new token and path, then disabling them", async () => {
    const { sb, port, token, proc } = await startSandboxGateway({
      config: (port, token, logFile) => hooksConfigFor(port, token, logFile, { enabled: true, token: "hook-one" }),
    });
    assert.equal(await wake(port, "/hooks", "hook-one"), 200);

    let mark = logCount(sb.logFile);
    writeByRename(sb.configPath, JSON.stringify(hooksConfigFor(port, token, sb.logFile, { enabled: true, token: "hook-two", path: "/in/" }), null, 2));
    const applied = await waitForLog(sb.logFile, /config hot reload applied/, 5000, mark);
    assert.match(applied.message!, /hooks/);
    assert.equal(await wake(port, "/in", "hook-one"), 401, "the old token is refused");
    assert.equal(await wake(port, "/in", "hook-two"), 200);
    assert.equal(await wake(port, "/hooks", "hook-two"), 404, "the old path is gone");

    mark = logCount(sb.logFile);
    writeByRename(sb.configPath, JSON.stringify(hooksConfigFor(port, token, sb.logFile, { enabled: false, token: "hook-two", path: "/in" }), null, 2));
    await waitForLog(sb.logFile, /config hot reload applied/, 5000, mark);
    await waitUntil(async () => (await wake(port, "/in", "hook-two")) === 404, 3000, "hooks to switch off");
    assert.equal(proc.exitInfo(), null, "no restart: the same process serves");
  });
});
