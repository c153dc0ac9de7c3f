import { test } from "node:test";
import assert from "node:assert/strict";
import type { GatewayConfig } from "../../../config/schema.js";
import { hostCommandPath, searchPath } from "./command-path.js";
import { expandHome } from "./home.js";

test("empty and relative PATH entries are dropped (sh would search the workspace for them); duplicates once", () => {
  assert.equal(searchPath(":/usr/bin::.:bin:./x:/bin:/usr/bin:"), "/usr/bin:/bin");
  assert.equal(searchPath("/usr/bin", ["/opt/bin", "rel", ""]), "/opt/bin:/usr/bin");
  assert.equal(searchPath("::.", []), undefined);
  assert.equal(searchPath(undefined, ["/opt/bin"]), "/opt/bin");
});

test("a host command's PATH takes the agent's pathPrepend over the global one, with ~ from HOME", () => {
  const config = {
    tools: { exec: { pathPrepend: ["~/global"] } },
    agents: { entries: { ops: { tools: { exec: { pathPrepend: ["~/ops-bin", "~"] } } } } },
  } as GatewayConfig;
  const env = { PATH: ".:/usr/bin", HOME: "/home/u", OPENCLAW_HOME: "/srv/openclaw" };
  assert.equal(hostCommandPath(config, "main", env), "/home/u/global:/usr/bin");
  assert.equal(hostCommandPath(config, "ops", env), "/home/u/ops-bin:/home/u:/usr/bin");
});

test("~ expands like sh: alone or before a slash only", () => {
  assert.equal(expandHome("~", "/h"), "/h");
  assert.equal(expandHome("~/bin", "/h"), "/h/bin");
  assert.equal(expandHome("~other/bin", "/h"), "~other/bin");
  assert.equal(expandHome("~/bin", undefined), "~/bin");
});
