import { test } from "node:test";
import assert from "node:assert/strict";
import { simpleArgv } from "./simple-argv.js";

test("plain commands split into words; anything the shell would transform does not", () => {
  assert.deepEqual(simpleArgv("git status --short"), ["git", "status", "--short"]);
  assert.deepEqual(simpleArgv("  ls -la ./src  "), ["ls", "-la", "./src"]);
  for (const command of ["echo $HOME", "ls | wc", "a && b", "rm *", "echo 'x'", "FOO=1 env", "cat < f", "echo `id`", ""]) assert.equal(simpleArgv(command), null, command);
});
