/**
 * Config hot reload against a real gateway process (operations.md §3.1): a hot-applicable edit is
 * applied without dropping clients, an invalid edit is skipped and the old config keeps serving,
 * edits saved by rename are seen, and `$include`d files are watched too.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import {
  ConnectRejected,
  baseConfig,
  connectOperator,
  dump,
  logCount,
  runOpenclaw,
  sleep,
  startSandboxGateway,
  useProcessCleanup,
  waitForLog,
  waitUntil,
  writeByRename,
  type OperatorClient,
} from "./process-harness.js";

useProcessCleanup({ eachTest: true });

const ORIGIN = "https://ops-reload.example.test";

/** Polls config.get on `client` every 20 ms until appliedConfigHash differs from `from`. */
async function waitForAppliedHashChange(client: OperatorClient, from: string, timeoutMs = 5000): Promise<string> {
  let hash = from;
  await waitUntil(
    async () => {
      hash = (await client.call("config.get")).appliedConfigHash as string;
      return hash !== from;
    },
    timeoutMs,
    "appliedConfigHash to change",
    20,
  );
  return hash;
}

async function originRejected(port: number, token: string): Promise<boolean> {
  try {
    const c = await connectOperator(port, token, { origin: ORIGIN });
    await c.close();
    return false;
  } catch (err) {
    if (err instanceof ConnectRejected) {
      assert.equal(err.error?.details?.code, "CONTROL_UI_ORIGIN_NOT_ALLOWED", JSON.stringify(err.error));
      return true;
    }
    throw err;
  }
}

describe("config hot reload (real gateway process)", () => {
  test("a hot-applicable edit is applied live without dropping a connected client", async () => {
    const { sb, port, token, proc } = await startSandboxGateway();
    const client = await connectOperator(port, token);
    const before = await client.call("config.get");
    const h0 = before.appliedConfigHash as string;
    assert.match(h0, /^sha256:[0-9a-f]{64}$/);
    assert.equal(before.hash, h0, "on start the applied config is the file on disk");
    // Before the edit the browser origin is refused: the edit below must change live behaviour.
    assert.equal(await originRejected(port, token), true, "origin should be refused before it is allowed");

    const mark = logCount(sb.logFile);
    const next = baseConfig(port, token, sb.logFile, { controlUi: { allowedOrigins: [ORIGIN] } });
    (next.logging as Record<string, unknown>).level = "debug";
    const t0 = performance.now();
    writeFileSync(sb.configPath, JSON.stringify(next, null, 2) + "\n");
    const h1 = await waitForAppliedHashChange(client, h0);
    const elapsed = Math.round(performance.now() - t0);
    console.log(`FIGURE hot-reload-ms=${elapsed}`);

    const after = await client.call("config.get");
    assert.equal(after.appliedConfigHash, h1);
    assert.equal(after.hash, h1, "the applied hash is the hash of the new file");
    assert.deepEqual(after.runtimeConfig.gateway.controlUi.allowedOrigins, [ORIGIN]);

    // Same socket, no shutdown, a later request works.
    assert.equal(client.isOpen, true, "client socket stays open");
    assert.equal(client.closeInfo, null);
    assert.deepEqual(client.events("shutdown"), [], "no shutdown event for a hot reload");
    const health = await client.call("health");
    assert.equal(health.ok, true);
    assert.equal(await originRejected(port, token), false, "the new allowedOrigins is live");

    const line = await waitForLog(sb.logFile, /config hot reload applied|config change applied/, 5000, mark);
    assert.equal(line.subsystem, "gateway/reload");
    // The section was absent before, so the dotted diff stops at gateway.controlUi.
    assert.match(line.message!, /gateway\.controlUi/);
    assert.equal(proc.exitInfo(), null, "the gateway process is still running");
    assert.equal(client.isOpen, true);
  });

  test("an invalid edit is skipped: old config keeps serving, client kept, file not rewritten", async () => {
    const { sb, port, token, proc, configText } = await startSandboxGateway();
    const client = await connectOperator(port, token);
    const h0 = (await client.call("config.get")).appliedConfigHash as string;

    // 1. Schema violation: gateway.port is a string.
    let mark = logCount(sb.logFile);
    const badPort = JSON.stringify(baseConfig(port, token, sb.logFile), null, 2).replace(`"port": ${port}`, `"port": "abc"`);
    assert.notEqual(badPort, configText);
    writeFileSync(sb.configPath, badPort);
    const skipped = await waitForLog(sb.logFile, "config reload skipped (invalid config)", 5000, mark);
    assert.match(skipped.message!, /gateway\.port/);
    assert.equal(skipped.level, "warn");

    // 2. JSON5 syntax error.
    mark = logCount(sb.logFile);
    const broken = `{ gateway: { mode: "local", port: ${port}, auth: { mode: "token", token: "${token}" } }, logging: { file: ${JSON.stringify(sb.logFile)} ,, `;
    writeFileSync(sb.configPath, broken);
    const skipped2 = await waitForLog(sb.logFile, "config reload skipped (invalid config)", 5000, mark);
    assert.match(skipped2.message!, /JSON5|parse/i);

    // Give a (wrong) rewrite or restart time to happen before checking nothing did.
    await sleep(700);
    assert.equal(readFileSync(sb.configPath, "utf8"), broken, "the gateway must not rewrite an invalid file");
    assert.equal(client.isOpen, true, "connected client not dropped");
    assert.deepEqual(client.events("shutdown"), []);
    const cfg = await client.call("config.get");
    assert.equal(cfg.appliedConfigHash, h0, "the applied config is still the old one");
    assert.equal(cfg.valid, false, "config.get reports the file on disk as invalid");
    assert.equal((await client.call("health")).ok, true);
    // Same port, same token: a new client still gets in.
    const second = await connectOperator(port, token);
    assert.equal((await second.call("health")).ok, true);
    await second.close();
    assert.equal(proc.exitInfo(), null);

    // The watcher is still alive: a valid edit after the invalid ones is applied.
    mark = logCount(sb.logFile);
    writeFileSync(sb.configPath, JSON.stringify(baseConfig(port, token, sb.logFile, { controlUi: { allowedOrigins: [ORIGIN] } }), null, 2));
    const h1 = await waitForAppliedHashChange(client, h0);
    assert.notEqual(h1, h0);
    await waitForLog(sb.logFile, /config hot reload applied/, 5000, mark);
    assert.equal(client.isOpen, true);
  });

  test("an edit saved by rename (temp file + rename over the config) is applied", async () => {
    const { sb, port, token } = await startSandboxGateway();
    const client = await connectOperator(port, token);
    const h0 = (await client.call("config.get")).appliedConfigHash as string;

    let mark = logCount(sb.logFile);
    writeByRename(sb.configPath, JSON.stringify(baseConfig(port, token, sb.logFile, { controlUi: { allowedOrigins: [ORIGIN] } }), null, 2) + "\n");
    const h1 = await waitForAppliedHashChange(client, h0);
    const cfg = await client.call("config.get");
    assert.deepEqual(cfg.runtimeConfig.gateway.controlUi.allowedOrigins, [ORIGIN]);
    await waitForLog(sb.logFile, /config hot reload applied/, 5000, mark);

    // A second rename (the inode changed again) is seen too.
    mark = logCount(sb.logFile);
    writeByRename(sb.configPath, JSON.stringify(baseConfig(port, token, sb.logFile, { controlUi: { allowedOrigins: [ORIGIN, "https://two.example.test"] } }), null, 2) + "\n");
    await waitForAppliedHashChange(client, h1);
    const cfg2 = await client.call("config.get");
    assert.deepEqual(cfg2.runtimeConfig.gateway.controlUi.allowedOrigins, [ORIGIN, "https://two.example.test"]);
    await waitForLog(sb.logFile, /config hot reload applied/, 5000, mark);
    assert.equal(client.isOpen, true);
  });

  test("$include files are watched: editing only the included file is applied; a circular include is rejected", async () => {
    let uiPath = "";
    const { sb, port, token } = await startSandboxGateway({
      beforeConfig: (box) => {
        uiPath = join(box.stateDir, "ui.json5");
        writeFileSync(uiPath, `// included by openclaw.json\n{ allowedOrigins: ["https://first.example.test"] }\n`, { mode: 0o600 });
      },
      config: (p, t, logFile) =>
        JSON.stringify({ gateway: { mode: "local", port: p, auth: { mode: "token", token: t }, controlUi: { $include: "./ui.json5" } }, logging: { file: logFile } }, null, 2) + "\n",
    });
    const rootText = readFileSync(sb.configPath, "utf8");
    const client = await connectOperator(port, token);
    const before = await client.call("config.get");
    assert.deepEqual(before.includedPaths, [realpathSync(uiPath)]);
    assert.deepEqual(before.runtimeConfig.gateway.controlUi.allowedOrigins, ["https://first.example.test"]);
    const h0 = before.appliedConfigHash as string;
    assert.equal(await originRejected(port, token), true);

    // Edit ONLY the included file.
    let mark = logCount(sb.logFile);
    writeFileSync(uiPath, `// included by openclaw.json\n{ allowedOrigins: ["https://first.example.test", "${ORIGIN}"] }\n`);
    const h1 = await waitForAppliedHashChange(client, h0);
    assert.notEqual(h1, h0);
    const after = await client.call("config.get");
    assert.deepEqual(after.runtimeConfig.gateway.controlUi.allowedOrigins, ["https://first.example.test", ORIGIN]);
    const line = await waitForLog(sb.logFile, /config hot reload applied|config change applied/, 5000, mark);
    assert.match(line.message!, /gateway\.controlUi\.allowedOrigins/);
    assert.equal(await originRejected(port, token), false, "the included value is live");
    assert.equal(readFileSync(sb.configPath, "utf8"), rootText, "the root file was not touched");
    assert.equal(client.isOpen, true);

    // A circular include is reported as invalid and the last good config keeps serving.
    mark = logCount(sb.logFile);
    const circular = `{ $include: "./ui.json5", allowedOrigins: [] }\n`;
    writeFileSync(uiPath, circular);
    const skipped = await waitForLog(sb.logFile, "config reload skipped (invalid config)", 5000, mark);
    assert.match(skipped.message!, /circular include/);
    await sleep(400);
    const still = await client.call("config.get");
    assert.equal(still.appliedConfigHash, h1, "the applied config is unchanged");
    assert.deepEqual(still.runtimeConfig.gateway.controlUi.allowedOrigins, ["https://first.example.test", ORIGIN]);
    assert.equal(readFileSync(uiPath, "utf8"), circular, "the included file is not rewritten");
    assert.equal(client.isOpen, true);

    // `openclaw config validate` reports it too (exit 78, names the problem).
    const validate = await runOpenclaw(["config", "validate"], sb.env);
    assert.equal(validate.code, 78, dump(validate));
    assert.match(validate.stderr, /circular include/, dump(validate));
  });

  test("the watched set follows the includes: after the root switches to conf.d/ui2.json5, that file is watched", async () => {
    let uiPath = "";
    const { sb, port, token } = await startSandboxGateway({
      beforeConfig: (box) => {
        uiPath = join(box.stateDir, "ui.json5");
        writeFileSync(uiPath, `{ allowedOrigins: ["https://first.example.test"] }\n`, { mode: 0o600 });
      },
      config: (p, t, logFile) =>
        JSON.stringify({ gateway: { mode: "local", port: p, auth: { mode: "token", token: t }, controlUi: { $include: "./ui.json5" } }, logging: { file: logFile } }, null, 2) + "\n",
    });
    const client = await connectOperator(port, token);
    const h0 = (await client.call("config.get")).appliedConfigHash as string;

    // The root now includes a file in a sub-folder that did not exist when the gateway started.
    mkdirSync(join(sb.stateDir, "conf.d"));
    const ui2 = join(sb.stateDir, "conf.d", "ui2.json5");
    writeFileSync(ui2, `{ allowedOrigins: ["https://second.example.test"] }\n`, { mode: 0o600 });
    writeFileSync(
      sb.configPath,
      JSON.stringify({ gateway: { mode: "local", port, auth: { mode: "token", token }, controlUi: { $include: "./conf.d/ui2.json5" } }, logging: { file: sb.logFile } }, null, 2) + "\n",
    );
    const h1 = await waitForAppliedHashChange(client, h0);
    const cfg = await client.call("config.get");
    assert.deepEqual(cfg.includedPaths, [realpathSync(ui2)]);
    assert.deepEqual(cfg.runtimeConfig.gateway.controlUi.allowedOrigins, ["https://second.example.test"]);

    // Editing only the new included file is applied.
    const mark = logCount(sb.logFile);
    writeFileSync(ui2, `{ allowedOrigins: ["https://second.example.test", "${ORIGIN}"] }\n`);
    const h2 = await waitForAppliedHashChange(client, h1);
    assert.deepEqual((await client.call("config.get")).runtimeConfig.gateway.controlUi.allowedOrigins, ["https://second.example.test", ORIGIN]);
    await waitForLog(sb.logFile, /config hot reload applied \(gateway\.controlUi\.allowedOrigins\)/, 3000, mark);

    // The file that is no longer included does not matter any more.
    writeFileSync(uiPath, `{ allowedOrigins: ["https://stale.example.test"] }\n`);
    await sleep(800);
    assert.equal((await client.call("config.get")).appliedConfigHash, h2);
    assert.equal(client.isOpen, true);
  });

  test("a deleted config file is retried, then skipped; the gateway keeps serving and picks the file up again", async () => {
    const { sb, port, token, proc } = await startSandboxGateway();
    const client = await connectOperator(port, token);
    const h0 = (await client.call("config.get")).appliedConfigHash as string;

    let mark = logCount(sb.logFile);
    rmSync(sb.configPath);
    await waitForLog(sb.logFile, "config reload retry (1/2): config file not found", 3000, mark);
    await waitForLog(sb.logFile, "config reload retry (2/2): config file not found", 3000, mark);
    await waitForLog(sb.logFile, "config reload skipped (config file not found)", 3000, mark);
    assert.equal(client.isOpen, true);
    assert.equal((await client.call("config.get")).appliedConfigHash, h0);
    assert.equal((await client.call("health")).ok, true);
    assert.equal(proc.exitInfo(), null);

    mark = logCount(sb.logFile);
    writeFileSync(sb.configPath, JSON.stringify(baseConfig(port, token, sb.logFile, { controlUi: { allowedOrigins: [ORIGIN] } }), null, 2) + "\n", { mode: 0o600 });
    await waitForAppliedHashChange(client, h0);
    await waitForLog(sb.logFile, /config hot reload applied/, 3000, mark);
    assert.equal(client.isOpen, true);
  });
});


