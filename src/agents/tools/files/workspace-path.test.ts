import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ToolError } from "../types.js";
import { testWorkspace } from "./test-workspace.js";
import { resolveInWorkspace } from "./workspace-path.js";

function refusedAsOutside(workspace: string) {
  return (err: unknown) => {
    assert.ok(err instanceof ToolError, `expected a ToolError, got ${String(err)}`);
    assert.equal(err.kind, "invalid_arguments");
    assert.match(err.message, /outside the workspace/);
    assert.ok(err.message.includes(workspace), `the message names the workspace: ${err.message}`);
    return true;
  };
}

test("relative paths resolve against the workspace", async () => {
  const w = testWorkspace();
  try {
    const p = await resolveInWorkspace(w.workspace, "notes/today.md");
    assert.equal(p.absolute, join(w.workspace, "notes", "today.md"));
    assert.equal(p.real, join(w.workspace, "notes", "today.md"));
    assert.equal(p.relative, join("notes", "today.md"));
    assert.equal((await resolveInWorkspace(w.workspace, "a/../b.txt")).relative, "b.txt");
    assert.equal((await resolveInWorkspace(w.workspace, "..hidden")).relative, "..hidden");
  } finally {
    w.remove();
  }
});

test(".. that leaves the workspace is refused", async () => {
  const w = testWorkspace();
  try {
    await assert.rejects(resolveInWorkspace(w.workspace, "../outside/secret.txt"), refusedAsOutside(w.workspace));
    await assert.rejects(resolveInWorkspace(w.workspace, "a/../../x"), refusedAsOutside(w.workspace));
    await assert.rejects(resolveInWorkspace(w.workspace, ".."), refusedAsOutside(w.workspace));
  } finally {
    w.remove();
  }
});

test("absolute paths are fine inside the workspace and refused outside it", async () => {
  const w = testWorkspace();
  try {
    const inside = await resolveInWorkspace(w.workspace, join(w.workspace, "a.txt"));
    assert.equal(inside.relative, "a.txt");
    await assert.rejects(resolveInWorkspace(w.workspace, join(w.outside, "secret.txt")), refusedAsOutside(w.workspace));
    await assert.rejects(resolveInWorkspace(w.workspace, "/etc/passwd"), refusedAsOutside(w.workspace));
    await assert.rejects(resolveInWorkspace(w.workspace, `${w.workspace}-sibling/x`), refusedAsOutside(w.workspace));
  } finally {
    w.remove();
  }
});

test("a file symlink pointing outside is refused, for reading and writing", async () => {
  const w = testWorkspace();
  try {
    writeFileSync(join(w.outside, "secret.txt"), "secret");
    symlinkSync(join(w.outside, "secret.txt"), join(w.workspace, "link.txt"));
    await assert.rejects(resolveInWorkspace(w.workspace, "link.txt"), refusedAsOutside(w.workspace));
    await assert.rejects(resolveInWorkspace(w.workspace, "link.txt", { forWrite: true }), refusedAsOutside(w.workspace));
  } finally {
    w.remove();
  }
});

test("a directory symlink pointing outside is refused, also for new files under it", async () => {
  const w = testWorkspace();
  try {
    writeFileSync(join(w.outside, "secret.txt"), "secret");
    symlinkSync(w.outside, join(w.workspace, "out"));
    await assert.rejects(resolveInWorkspace(w.workspace, "out/secret.txt"), refusedAsOutside(w.workspace));
    await assert.rejects(resolveInWorkspace(w.workspace, "out/new/deeper.txt", { forWrite: true }), (err: unknown) => {
      assert.ok(err instanceof ToolError);
      assert.match(err.message, /"out" is a symbolic link/);
      return true;
    });
  } finally {
    w.remove();
  }
});

test("a dangling symlink whose target would be outside is refused", async () => {
  const w = testWorkspace();
  try {
    symlinkSync(join(w.outside, "not-yet.txt"), join(w.workspace, "dangling.txt"));
    await assert.rejects(resolveInWorkspace(w.workspace, "dangling.txt", { forWrite: true }), refusedAsOutside(w.workspace));
  } finally {
    w.remove();
  }
});

test("a symlink that stays inside the workspace is followed", async () => {
  const w = testWorkspace();
  try {
    mkdirSync(join(w.workspace, "real"));
    writeFileSync(join(w.workspace, "real", "f.txt"), "x");
    symlinkSync(join(w.workspace, "real"), join(w.workspace, "alias"));
    const p = await resolveInWorkspace(w.workspace, "alias/f.txt");
    assert.equal(p.absolute, join(w.workspace, "alias", "f.txt"));
    assert.equal(p.real, join(w.workspace, "real", "f.txt"));
  } finally {
    w.remove();
  }
});

test("a workspace reached through a symlink accepts its real absolute paths", async () => {
  const w = testWorkspace();
  try {
    const viaLink = `${w.workspace}-link`;
    symlinkSync(w.workspace, viaLink);
    assert.equal((await resolveInWorkspace(viaLink, "a.txt")).real, join(w.workspace, "a.txt"));
    assert.equal((await resolveInWorkspace(viaLink, join(w.workspace, "b.txt"))).relative, "b.txt");
    await assert.rejects(resolveInWorkspace(viaLink, join(w.outside, "x")), refusedAsOutside(viaLink));
  } finally {
    w.remove();
  }
});

test("NUL bytes, ~ and the workspace folder as a write target are refused", async () => {
  const w = testWorkspace();
  try {
    const invalid = (pattern: RegExp) => (err: unknown) => err instanceof ToolError && err.kind === "invalid_arguments" && pattern.test(err.message);
    await assert.rejects(resolveInWorkspace(w.workspace, "a\0b"), invalid(/NUL/));
    await assert.rejects(resolveInWorkspace(w.workspace, "~/.ssh/id_rsa"), invalid(/not expanded/));
    await assert.rejects(resolveInWorkspace(w.workspace, "~"), invalid(/not expanded/));
    assert.equal((await resolveInWorkspace(w.workspace, "./~/notes.txt")).relative, join("~", "notes.txt"));
    await assert.rejects(resolveInWorkspace(w.workspace, ".", { forWrite: true }), invalid(/workspace folder itself/));
    await assert.rejects(resolveInWorkspace(w.workspace, ""), invalid(/empty/));
  } finally {
    w.remove();
  }
});

test("a path that leaves the workspace through a link and comes back through another is refused", async () => {
  const w = testWorkspace();
  try {
    writeFileSync(join(w.workspace, "inside.txt"), "x");
    symlinkSync(join(w.workspace, "inside.txt"), join(w.outside, "back.txt"));
    symlinkSync(w.outside, join(w.workspace, "out"));
    await assert.rejects(resolveInWorkspace(w.workspace, "out/back.txt"), refusedAsOutside(w.workspace));
  } finally {
    w.remove();
  }
});

test("a sandboxed session may not write the bootstrap files at the workspace root; the owner's may, and nested names are fine", async () => {
  const ws = testWorkspace().workspace;
  await assert.rejects(resolveInWorkspace(ws, "AGENTS.md", { forWrite: true, sandboxed: true }), (err: ToolError) => err.kind === "blocked" && /bootstrap files/.test(err.message));
  await assert.rejects(resolveInWorkspace(ws, "./SOUL.md", { forWrite: true, sandboxed: true }), /bootstrap files/);
  assert.equal((await resolveInWorkspace(ws, "AGENTS.md", { forWrite: true })).relative, "AGENTS.md");
  assert.equal((await resolveInWorkspace(ws, "AGENTS.md", { sandboxed: true })).relative, "AGENTS.md", "reading is fine");
  assert.equal((await resolveInWorkspace(ws, "notes/AGENTS.md", { forWrite: true, sandboxed: true })).relative, "notes/AGENTS.md");
});
