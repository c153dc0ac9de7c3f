import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanEnv, dump, runOpenclaw } from "./process-harness.js";

function envWith(config: unknown): NodeJS.ProcessEnv {
  const dir = mkdtempSync(join(tmpdir(), "oc-dash-"));
  writeFileSync(join(dir, "openclaw.json"), JSON.stringify(config));
  return { ...cleanEnv(), HOME: dir, OPENCLAW_STATE_DIR: dir, OPENCLAW_CONFIG_PATH: join(dir, "openclaw.json") };
}

test("openclaw dashboard prints the Control UI address with the token in the fragment, under the base path", async () => {
  const env = envWith({ gateway: { mode: "local", port: 18999, auth: { mode: "token", token: "tok/en+1" }, controlUi: { basePath: "/oc/" } } });
  const printed = await runOpenclaw(["dashboard"], env);
  assert.equal(printed.code, 0, dump(printed));
  assert.equal(printed.stdout.trim(), "http://127.0.0.1:18999/oc/#token=tok%2Fen%2B1");
  const json = await runOpenclaw(["dashboard", "--json", "--port", "18777"], env);
  assert.deepEqual(JSON.parse(json.stdout), { url: "http://127.0.0.1:18777/oc/#token=tok%2Fen%2B1", tokenIncluded: true });
});

test("without a configured token the address has none and says the page will ask", async () => {
  const env = envWith({ gateway: { mode: "local", port: 18998 } });
  const printed = await runOpenclaw(["dashboard"], env);
  assert.equal(printed.code, 0, dump(printed));
  assert.match(printed.stdout, /^http:\/\/127\.0\.0\.1:18998\/\n/);
  assert.match(printed.stdout, /the page will ask for one/);
});
