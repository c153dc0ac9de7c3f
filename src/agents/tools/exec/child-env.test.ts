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
    { passEnv: ["NPM_TOKEN"], path: "/opt/bin:/usr/bin", overrides: { FOO: "bar" } },
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

test("on the host, variables that make an approved program run other code are refused, naming the variable and why", () => {
  const refused = [
    "NODE_OPTIONS", "NODE_PATH", "PYTHONPATH", "PYTHONSTARTUP", "PYTHONHOME", "PERL5OPT", "PERL5LIB", "PERLLIB", "RUBYOPT", "RUBYLIB",
    "BASH_ENV", "ENV", "SHELLOPTS", "BASHOPTS", "PS4", "PROMPT_COMMAND", "IFS", "GIT_SSH_COMMAND", "GIT_SSH", "GIT_EXEC_PATH",
    "GIT_CONFIG_COUNT", "GIT_CONFIG_KEY_0", "GIT_CONFIG_VALUE_0", "GIT_CONFIG_GLOBAL", "GIT_PAGER", "PAGER", "EDITOR", "VISUAL", "LESSOPEN",
    "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "CLASSPATH", "HOME", "PATH", "LD_LIBRARY_PATH", "DYLD_INSERT_LIBRARIES",
  ];
  for (const name of refused) {
    assert.throws(
      () => checkEnvOverrides({ OK: "1", [name]: "x" }, true),
      (e: unknown) => e instanceof ToolError && e.kind === "invalid_arguments" && e.message.startsWith(`env.${name} is refused for commands on the gateway host: `) && /approvals; the command was not run/.test(e.message),
      name,
    );
    assert.deepEqual(checkEnvOverrides({ [name]: "x" }, false), { [name]: "x" }, `${name} is the sandbox's business`);
  }
  assert.throws(() => checkEnvOverrides({ NODE_OPTIONS: "--require /tmp/x.js" }, true), /NODE_OPTIONS is refused .*: it makes Node\.js load and run other code/);
  assert.deepEqual(checkEnvOverrides({ CI: "1", GIT_AUTHOR_NAME: "bot", NODE_ENV: "test", LANG: "C" }, true), { CI: "1", GIT_AUTHOR_NAME: "bot", NODE_ENV: "test", LANG: "C" });
});
