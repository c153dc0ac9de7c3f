import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseTailscaleJson, runTailscale, TailscaleCommandError, TAILSCALE_MISSING_MESSAGE } from "./tailscale-cli.js";

test("JSON is read from output with version warnings around it", () => {
  const noisy = 'Warning: client version "1.78.1" != tailscaled server version "1.80.0"\n{"BackendState":"Running"}\n';
  assert.deepEqual(parseTailscaleJson(noisy), { BackendState: "Running" });
  assert.throws(() => parseTailscaleJson("no json here"), /no JSON object/);
  assert.throws(() => parseTailscaleJson("{not json}"));
});

test("a missing tailscale CLI is reported with what to do", async () => {
  const empty = mkdtempSync(join(tmpdir(), "ts-path-"));
  const saved = process.env.PATH;
  process.env.PATH = empty;
  try {
    const err = await runTailscale(["status", "--json"]).then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(err instanceof TailscaleCommandError);
    assert.equal(err.missing, true);
    assert.equal(err.message, TAILSCALE_MISSING_MESSAGE);
    assert.match(err.message, /Install Tailscale and log in/);
  } finally {
    process.env.PATH = saved;
    rmSync(empty, { recursive: true, force: true });
  }
});
