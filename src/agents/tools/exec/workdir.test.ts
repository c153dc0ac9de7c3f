import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ToolError } from "../types.js";
import { resolveWorkdir } from "./workdir.js";
import { tempWorkspace } from "./test-context.js";

const invalid = (e: unknown) => e instanceof ToolError && e.kind === "invalid_arguments";

test("no workdir, '.' or a relative one resolve inside the workspace", async () => {
  const ws = tempWorkspace();
  mkdirSync(join(ws, "sub"));
  assert.deepEqual(await resolveWorkdir(ws, undefined), { root: ws, cwd: ws });
  assert.deepEqual(await resolveWorkdir(ws, "."), { root: ws, cwd: ws });
  assert.deepEqual(await resolveWorkdir(ws, "sub"), { root: ws, cwd: join(ws, "sub") });
  assert.deepEqual(await resolveWorkdir(ws, join(ws, "sub")), { root: ws, cwd: join(ws, "sub") });
});

test("paths outside the workspace are refused, also through .. and symlinks", async () => {
  const ws = tempWorkspace();
  symlinkSync("/", join(ws, "escape"));
  writeFileSync(join(ws, "file"), "");
  await assert.rejects(resolveWorkdir(ws, "/etc"), invalid);
  await assert.rejects(resolveWorkdir(ws, ".."), invalid);
  await assert.rejects(resolveWorkdir(ws, "escape"), invalid);
  await assert.rejects(resolveWorkdir(ws, "missing"), invalid);
  await assert.rejects(resolveWorkdir(ws, "file"), invalid);
  await assert.rejects(resolveWorkdir(`${ws}-sibling-that-does-not-exist`, undefined), (e: unknown) => e instanceof ToolError && e.kind === "failed");
});
