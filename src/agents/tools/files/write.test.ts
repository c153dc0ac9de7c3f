import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ToolError } from "../types.js";
import { MAX_FILE_BYTES } from "./limits.js";
import { testWorkspace } from "./test-workspace.js";
import { writeTool } from "./write.js";

const write = writeTool();
const outsideRefusal = (err: unknown) => err instanceof ToolError && err.kind === "invalid_arguments" && /outside the workspace/.test(err.message);

test("creates missing parent folders and reports the bytes written", async () => {
  const w = testWorkspace();
  try {
    const result = await write.execute({ path: "a/b/c.txt", content: "héllo\n" }, w.ctx);
    assert.equal(readFileSync(join(w.workspace, "a", "b", "c.txt"), "utf8"), "héllo\n");
    assert.equal(result.content, `Created ${join("a", "b", "c.txt")} (7 bytes)`);
    assert.equal(result.details?.bytes, 7);
  } finally {
    w.remove();
  }
});

test("replaces a file atomically, keeping its permissions and leaving no temp file", async () => {
  const w = testWorkspace();
  try {
    const file = join(w.workspace, "run.sh");
    writeFileSync(file, "old");
    chmodSync(file, 0o755);
    const result = await write.execute({ path: "run.sh", content: "#!/bin/sh\necho new\n" }, w.ctx);
    assert.match(result.content, /^Wrote run\.sh/);
    assert.equal(readFileSync(file, "utf8"), "#!/bin/sh\necho new\n");
    assert.equal(statSync(file).mode & 0o777, 0o755);
    assert.deepEqual(readdirSync(w.workspace), ["run.sh"]);
  } finally {
    w.remove();
  }
});

test("writing through a symlinked parent that leaves the workspace is refused and creates nothing", async () => {
  const w = testWorkspace();
  try {
    symlinkSync(w.outside, join(w.workspace, "out"));
    await assert.rejects(write.execute({ path: "out/planted.txt", content: "x" }, w.ctx), outsideRefusal);
    await assert.rejects(write.execute({ path: "out/deep/planted.txt", content: "x" }, w.ctx), outsideRefusal);
    assert.deepEqual(readdirSync(w.outside), []);
  } finally {
    w.remove();
  }
});

test("writing through a file symlink (or a dangling one) that leaves the workspace is refused", async () => {
  const w = testWorkspace();
  try {
    writeFileSync(join(w.outside, "bashrc"), "original");
    symlinkSync(join(w.outside, "bashrc"), join(w.workspace, "config"));
    symlinkSync(join(w.outside, "new-file"), join(w.workspace, "dangling"));
    await assert.rejects(write.execute({ path: "config", content: "evil" }, w.ctx), outsideRefusal);
    await assert.rejects(write.execute({ path: "dangling", content: "evil" }, w.ctx), outsideRefusal);
    await assert.rejects(write.execute({ path: "../outside/x.txt", content: "evil" }, w.ctx), outsideRefusal);
    assert.equal(readFileSync(join(w.outside, "bashrc"), "utf8"), "original");
    assert.equal(existsSync(join(w.outside, "new-file")), false);
    assert.equal(existsSync(join(w.outside, "x.txt")), false);
  } finally {
    w.remove();
  }
});

test("a symlink inside the workspace is written through to its target", async () => {
  const w = testWorkspace();
  try {
    writeFileSync(join(w.workspace, "target.txt"), "old");
    symlinkSync("target.txt", join(w.workspace, "alias.txt"));
    await write.execute({ path: "alias.txt", content: "new" }, w.ctx);
    assert.equal(readFileSync(join(w.workspace, "target.txt"), "utf8"), "new");
  } finally {
    w.remove();
  }
});

test("content over the size limit and a directory as the target are refused", async () => {
  const w = testWorkspace();
  try {
    mkdirSync(join(w.workspace, "folder"));
    await assert.rejects(write.execute({ path: "big.txt", content: "x".repeat(MAX_FILE_BYTES + 1) }, w.ctx), (err: unknown) => {
      return err instanceof ToolError && err.kind === "invalid_arguments" && /limit/.test(err.message);
    });
    assert.equal(existsSync(join(w.workspace, "big.txt")), false);
    await assert.rejects(write.execute({ path: "folder", content: "x" }, w.ctx), (err: unknown) => err instanceof ToolError && /is a directory/.test(err.message));
  } finally {
    w.remove();
  }
});
