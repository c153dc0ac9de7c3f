/**
 * Two profiles side by side (operations.md §1.1, §8.1, §4.2): `--profile alpha` and `--profile beta`
 * gateways run at once with their own state dir, config, port and token; a second gateway on the
 * same profile/config is refused by the config lock with "gateway already running (pid N)", exit 1.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  ADMIN,
  ConnectRejected,
  connectOperator,
  dump,
  getFreePorts,
  isListening,
  makeSandbox,
  randomToken,
  runOpenclaw,
  spawnOpenclaw,
  startGateway,
  useProcessCleanup,
} from "./process-harness.js";

useProcessCleanup({ eachTest: true });

describe("profiles and multi-instance (real gateway processes)", () => {
  test("--profile alpha and --profile beta run side by side, isolated; a second gateway on alpha is refused", async () => {
    // HOME only: the profile flag derives the state dir and config path from it.
    const sb = makeSandbox({ stateEnv: false });
    assert.equal(sb.env.OPENCLAW_STATE_DIR, undefined);
    assert.equal(sb.env.OPENCLAW_CONFIG_PATH, undefined);
    const [alphaPort, betaPort, otherPort] = await getFreePorts(3);
    const profiles = {
      alpha: { port: alphaPort, token: randomToken(), stateDir: join(sb.home, ".openclaw-alpha") },
      beta: { port: betaPort, token: randomToken(), stateDir: join(sb.home, ".openclaw-beta") },
    };
    for (const [name, p] of Object.entries(profiles)) {
      sb.writeConfig(
        {
          gateway: { mode: "local", port: p.port, auth: { mode: "token", token: p.token } },
          logging: { file: join(sb.root, `${name}.log`) },
        },
        join(p.stateDir, "openclaw.json"),
      );
    }

    const alpha = await startGateway(sb.env, [], undefined, { rootArgs: ["--profile", "alpha"] });
    const beta = await startGateway(sb.env, [], undefined, { rootArgs: ["--profile", "beta"] });
    assert.equal(alpha.exitInfo(), null);
    assert.equal(beta.exitInfo(), null);

    // Each answers health with its own token, on its own port, from its own state dir.
    for (const [name, p] of Object.entries(profiles)) {
      const client = await connectOperator(p.port, p.token, { scopes: ADMIN });
      assert.equal((await client.call("health")).ok, true, `${name} health`);
      assert.equal(client.hello.snapshot.stateDir, p.stateDir, `${name} state dir`);
      assert.equal(client.hello.snapshot.configPath, join(p.stateDir, "openclaw.json"), `${name} config path`);
      await client.close();
    }
    // Tokens are not shared: alpha's token is refused by beta.
    const cross = await connectOperator(profiles.beta.port, profiles.alpha.token).then(
      (c) => {
        void c.close();
        return null;
      },
      (err: unknown) => err,
    );
    assert.ok(cross instanceof ConnectRejected, `beta must refuse alpha's token, got ${String(cross)}`);
    assert.match(cross.error?.message ?? "", /token mismatch/);

    // `gateway status --json` per profile: distinct config paths, each sees its own running gateway.
    const statusAlpha = await runOpenclaw(["--profile", "alpha", "gateway", "status", "--json"], sb.env);
    const statusBeta = await runOpenclaw(["--profile", "beta", "gateway", "status", "--json"], sb.env);
    assert.equal(statusAlpha.code, 0, dump(statusAlpha));
    assert.equal(statusBeta.code, 0, dump(statusBeta));
    const sa = JSON.parse(statusAlpha.stdout);
    const sbeta = JSON.parse(statusBeta.stdout);
    assert.equal(sa.config.cli.path, join(profiles.alpha.stateDir, "openclaw.json"));
    assert.equal(sbeta.config.cli.path, join(profiles.beta.stateDir, "openclaw.json"));
    assert.notEqual(sa.config.cli.path, sbeta.config.cli.path);
    assert.equal(sa.gateway.port, alphaPort);
    assert.equal(sbeta.gateway.port, betaPort);
    assert.equal(sa.service.runtime.status, "running");
    assert.equal(sa.service.runtime.pid, alpha.pid);
    assert.equal(sbeta.service.runtime.pid, beta.pid);
    assert.equal(sa.rpc?.ok, true, statusAlpha.stdout);
    assert.equal(sbeta.rpc?.ok, true, statusBeta.stdout);

    // A second gateway on the same profile (same config), even on another port: refused by the lock.
    const dup = spawnOpenclaw(["--profile", "alpha", "gateway", "--port", String(otherPort)], sb.env);
    const exit = await dup.exited;
    assert.equal(exit.code, 1, dump(dup));
    assert.match(dup.stderr(), new RegExp(`gateway already running \\(pid ${alpha.pid}\\)`), dump(dup));
    assert.equal(await isListening(otherPort), false, "the refused gateway never listened");

    // Both originals keep serving.
    for (const p of Object.values(profiles)) {
      const client = await connectOperator(p.port, p.token);
      assert.equal((await client.call("health")).ok, true);
      await client.close();
    }
    assert.equal(alpha.exitInfo(), null);
    assert.equal(beta.exitInfo(), null);
    assert.equal((await alpha.stop("SIGTERM")).code, 0);
    assert.equal((await beta.stop("SIGTERM")).code, 0);
  });
});
