import { test } from "node:test";
import assert from "node:assert/strict";
import { checkEnvOverrides, hostCommandEnv, looksSecret, sandboxCommandEnv } from "./child-env.js";
import { ToolError } from "../types.js";

test("secret-looking names are recognised", () => {
  for (const name of ["GITHUB_TOKEN", "OPENAI_API_KEY", "aws_secret_access_key", "DB_PASSWORD", "MY_PASSWD"]) assert.ok(looksSecret(name), name);
  for (const name of ["PATH", "HOME", "LANG", "TERM"]) assert.ok(!looksSecret(name), name);
});

test("host commands lose secret-looking variables unless passEnv names them", () => {
  const env = hostCommandEnv(
    { PATH: "/usr/bin", HOME: "/home/x", OPENAI_API_KEY: "sk-1", GITHUB_TOKEN: "gh", NPM_TOKEN: "npm" },
    { passEnv: ["NPM_TOKEN"], pathPrepend: ["/opt/bin"], overrides: { FOO: "bar" } },
  );
  assert.equal(env.OPENAI_API_KEY, undefined);
  assert.equal(env.GITHUB_TOKEN, undefined);
  assert.equal(env.NPM_TOKEN, "npm");
  assert.equal(env.PATH, "/opt/bin:/usr/bin");
  assert.equal(env.FOO, "bar");
  assert.equal(env.OPENCLAW_SHELL, "exec");
});

test("sandboxed commands start from a clean environment with HOME in the workspace", () => {
  const env = sandboxCommandEnv("/ws", { pathPrepend: [], sandboxEnv: { LANG: "en_US.UTF-8" }, overrides: { A: "1" } });
  assert.equal(env.HOME, "/ws");
  assert.equal(env.LANG, "en_US.UTF-8");
  assert.equal(env.A, "1");
  assert.match(env.PATH, /\/usr\/bin/);
  assert.deepEqual(Object.keys(env).sort(), ["A", "HOME", "LANG", "OPENCLAW_SHELL", "PATH", "TMPDIR"]);
});

test("env overrides are checked; PATH and loader variables are refused on the host only", () => {
  assert.deepEqual(checkEnvOverrides({ A: "1" }, true), { A: "1" });
  assert.throws(() => checkEnvOverrides({ PATH: "/evil" }, true), (e: unknown) => e instanceof ToolError && e.kind === "invalid_arguments");
  assert.throws(() => checkEnvOverrides({ LD_PRELOAD: "/x.so" }, true), ToolError);
  assert.deepEqual(checkEnvOverrides({ PATH: "/ws/bin" }, false), { PATH: "/ws/bin" });
  assert.throws(() => checkEnvOverrides({ "A B": "1" }, false), ToolError);
  assert.throws(() => checkEnvOverrides({ A: 1 }, false), ToolError);
});
