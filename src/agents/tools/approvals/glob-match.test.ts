import { test } from "node:test";
import assert from "node:assert/strict";
import { globMatches } from "./glob-match.js";

test("* stays in one segment, ** crosses segments, ? is one character", () => {
  assert.ok(globMatches("/usr/bin/*", "/usr/bin/git", false));
  assert.ok(!globMatches("/usr/bin/*", "/usr/bin/x/git", false));
  assert.ok(globMatches("/opt/**/bin/rg", "/opt/a/b/bin/rg", false));
  assert.ok(globMatches("/opt/**/bin/rg", "/opt/bin/rg", false));
  assert.ok(globMatches("/usr/bin/python3.?", "/usr/bin/python3.9", false));
  assert.ok(!globMatches("/usr/bin/git", "/usr/bin/gitx", false));
  assert.ok(!globMatches("/usr/bin/g.t", "/usr/bin/git", false), "dots are literal");
});

test("case folding is opt-in (case-insensitive file systems)", () => {
  assert.ok(!globMatches("/usr/bin/GIT", "/usr/bin/git", false));
  assert.ok(globMatches("/usr/bin/GIT", "/usr/bin/git", true));
});
