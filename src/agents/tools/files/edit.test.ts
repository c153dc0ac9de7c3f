import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ToolError } from "../types.js";
import { editTool } from "./edit.js";
import { testWorkspace } from "./test-workspace.js";

const edit = editTool();
const source = "function a() {\n  return 1;\n}\n\nfunction b() {\n  return 1;\n}\n";

test("replaces text that occurs once and reports the lines changed", async () => {
  const w = testWorkspace();
  try {
    writeFileSync(join(w.workspace, "code.js"), source);
    const result = await edit.execute({ path: "code.js", oldText: "function b() {\n  return 1;", newText: "function b() {\n  const two = 2;\n  return two;" }, w.ctx);
    assert.equal(readFileSync(join(w.workspace, "code.js"), "utf8"), source.replace("function b() {\n  return 1;", "function b() {\n  const two = 2;\n  return two;"));
    assert.equal(result.content, "Edited code.js: lines 5-6 replaced (now lines 5-7)");
  } finally {
    w.remove();
  }
});

test("text that occurs several times is refused with the lines it matches, and the file is unchanged", async () => {
  const w = testWorkspace();
  try {
    writeFileSync(join(w.workspace, "code.js"), source);
    await assert.rejects(edit.execute({ path: "code.js", oldText: "  return 1;", newText: "  return 2;" }, w.ctx), (err: unknown) => {
      return err instanceof ToolError && /matches 2 places in code\.js \(lines 2, 6\)/.test(err.message);
    });
    assert.equal(readFileSync(join(w.workspace, "code.js"), "utf8"), source);
  } finally {
    w.remove();
  }
});

test("text that is not in the file is refused and the file is unchanged", async () => {
  const w = testWorkspace();
  try {
    writeFileSync(join(w.workspace, "code.js"), source);
    await assert.rejects(edit.execute({ path: "code.js", oldText: "return 3;", newText: "return 4;" }, w.ctx), (err: unknown) => {
      return err instanceof ToolError && /oldText was not found in code\.js/.test(err.message);
    });
    await assert.rejects(edit.execute({ path: "code.js", oldText: "return 1;", newText: "return 1;" }, w.ctx), (err: unknown) => {
      return err instanceof ToolError && /identical/.test(err.message);
    });
    assert.equal(readFileSync(join(w.workspace, "code.js"), "utf8"), source);
  } finally {
    w.remove();
  }
});

test("several edits apply together against the original; a bad one applies none", async () => {
  const w = testWorkspace();
  try {
    const file = join(w.workspace, "code.js");
    writeFileSync(file, source);
    const result = await edit.execute(
      { path: "code.js", edits: [{ oldText: "function b() {\n  return 1;", newText: "function b() {\n  return 3;" }, { oldText: "function a() {\n  return 1;", newText: "function a() {\n  return 2;" }] },
      w.ctx,
    );
    assert.equal(readFileSync(file, "utf8"), source.replace("a() {\n  return 1", "a() {\n  return 2").replace("b() {\n  return 1", "b() {\n  return 3"));
    assert.equal(result.content, "Edited code.js: lines 1-2 replaced (now lines 1-2); lines 5-6 replaced (now lines 5-6)");

    const before = readFileSync(file, "utf8");
    await assert.rejects(edit.execute({ path: "code.js", edits: [{ oldText: "return 2;", newText: "return 9;" }, { oldText: "missing", newText: "x" }] }, w.ctx), (err: unknown) => {
      return err instanceof ToolError && /edits\[1\] was not found/.test(err.message);
    });
    await assert.rejects(edit.execute({ path: "code.js", edits: [{ oldText: "function a", newText: "x" }, { oldText: "a() {", newText: "y" }] }, w.ctx), (err: unknown) => {
      return err instanceof ToolError && /overlap/.test(err.message);
    });
    assert.equal(readFileSync(file, "utf8"), before);
  } finally {
    w.remove();
  }
});

test("a CRLF file matches oldText written with plain newlines and keeps its CRLF endings", async () => {
  const w = testWorkspace();
  try {
    const file = join(w.workspace, "dos.txt");
    writeFileSync(file, "one\r\ntwo\r\nthree\r\n");
    await edit.execute({ path: "dos.txt", oldText: "one\ntwo", newText: "uno\ndos" }, w.ctx);
    assert.equal(readFileSync(file, "utf8"), "uno\r\ndos\r\nthree\r\n");
  } finally {
    w.remove();
  }
});

test("editing through a symlink that leaves the workspace is refused", async () => {
  const w = testWorkspace();
  try {
    writeFileSync(join(w.outside, "victim.txt"), "keep me");
    symlinkSync(join(w.outside, "victim.txt"), join(w.workspace, "victim.txt"));
    await assert.rejects(edit.execute({ path: "victim.txt", oldText: "keep", newText: "lose" }, w.ctx), (err: unknown) => {
      return err instanceof ToolError && err.kind === "invalid_arguments" && /outside the workspace/.test(err.message);
    });
    assert.equal(readFileSync(join(w.outside, "victim.txt"), "utf8"), "keep me");
  } finally {
    w.remove();
  }
});

test("missing arguments and a missing file are clear errors", async () => {
  const w = testWorkspace();
  try {
    await assert.rejects(edit.execute({ path: "x.txt", oldText: "a" }, w.ctx), (err: unknown) => err instanceof ToolError && err.kind === "invalid_arguments");
    await assert.rejects(edit.execute({ path: "x.txt", oldText: "a", newText: "b" }, w.ctx), (err: unknown) => err instanceof ToolError && /not found: x\.txt/.test(err.message));
  } finally {
    w.remove();
  }
});
