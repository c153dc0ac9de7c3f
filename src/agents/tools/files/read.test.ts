import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ToolError } from "../types.js";
import { READ_MAX_BYTES, READ_MAX_LINES } from "./limits.js";
import { readTool } from "./read.js";
import { testWorkspace } from "./test-workspace.js";

const read = readTool();
const numbered = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `line ${from + i}`);

test("reads a whole small file as it is", async () => {
  const w = testWorkspace();
  try {
    writeFileSync(join(w.workspace, "a.txt"), "alpha\nbeta\n");
    const result = await read.execute({ path: "a.txt" }, w.ctx);
    assert.equal(result.content, "alpha\nbeta");
    assert.equal(result.details?.totalLines, 2);
    assert.equal(result.details?.truncated, false);
  } finally {
    w.remove();
  }
});

test("offset and limit select lines and say how to continue", async () => {
  const w = testWorkspace();
  try {
    writeFileSync(join(w.workspace, "ten.txt"), numbered(1, 10).join("\n") + "\n");
    const result = await read.execute({ path: "ten.txt", offset: 3, limit: 2 }, w.ctx);
    assert.equal(result.content, "line 3\nline 4\n\n[Showing lines 3-4 of 10. Use offset=5 to continue.]");
    const tail = await read.execute({ path: "ten.txt", offset: 9, limit: 5 }, w.ctx);
    assert.equal(tail.content, "line 9\nline 10");
  } finally {
    w.remove();
  }
});

test(`output stops at ${READ_MAX_LINES} lines and continues from the offset it names`, async () => {
  const w = testWorkspace();
  try {
    writeFileSync(join(w.workspace, "many.txt"), numbered(1, 2500).join("\n"));
    const first = await read.execute({ path: "many.txt" }, w.ctx);
    const [body, note] = first.content.split("\n\n");
    assert.deepEqual(body.split("\n"), numbered(1, READ_MAX_LINES));
    assert.equal(note, `[Showing lines 1-${READ_MAX_LINES} of 2500. Use offset=${READ_MAX_LINES + 1} to continue.]`);
    const rest = await read.execute({ path: "many.txt", offset: READ_MAX_LINES + 1, limit: 5000 }, w.ctx);
    assert.deepEqual(rest.content.split("\n"), numbered(READ_MAX_LINES + 1, 2500));
  } finally {
    w.remove();
  }
});

test(`output stops at ${READ_MAX_BYTES / 1024} KB and says so`, async () => {
  const w = testWorkspace();
  try {
    const kilo = "k".repeat(1023);
    writeFileSync(join(w.workspace, "wide.txt"), `${kilo}\n`.repeat(100));
    const result = await read.execute({ path: "wide.txt" }, w.ctx);
    const [body, note] = result.content.split("\n\n");
    assert.equal(body.split("\n").length, 50);
    assert.ok(Buffer.byteLength(body) <= READ_MAX_BYTES);
    assert.equal(note, `[Showing lines 1-50 of 100 (50 KB limit). Use offset=51 to continue.]`);
  } finally {
    w.remove();
  }
});

test("a single very long line is cut and the next line is offered", async () => {
  const w = testWorkspace();
  try {
    writeFileSync(join(w.workspace, "minified.js"), `${"x".repeat(200_000)}\nsecond\n`);
    const result = await read.execute({ path: "minified.js" }, w.ctx);
    assert.ok(result.content.length < READ_MAX_BYTES + 500);
    assert.match(result.content, /\[Line 1 of 2 is longer than 50 KB; only its start is shown\. Use offset=2 to continue with the next line\.\]$/);
  } finally {
    w.remove();
  }
});

test("an offset past the end, a directory and a missing file are clear errors", async () => {
  const w = testWorkspace();
  try {
    writeFileSync(join(w.workspace, "short.txt"), "one\ntwo\n");
    mkdirSync(join(w.workspace, "dir"));
    await assert.rejects(read.execute({ path: "short.txt", offset: 5 }, w.ctx), (err: unknown) => {
      return err instanceof ToolError && /offset 5 is beyond the end of short\.txt \(2 lines\)/.test(err.message);
    });
    await assert.rejects(read.execute({ path: "dir" }, w.ctx), (err: unknown) => err instanceof ToolError && /dir is a directory/.test(err.message));
    await assert.rejects(read.execute({ path: "nope.txt" }, w.ctx), (err: unknown) => err instanceof ToolError && err.kind === "failed" && /not found: nope\.txt/.test(err.message));
  } finally {
    w.remove();
  }
});

test("binary files are described, not dumped", async () => {
  const w = testWorkspace();
  try {
    writeFileSync(join(w.workspace, "image.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48]));
    const result = await read.execute({ path: "image.png" }, w.ctx);
    assert.equal(result.content, "image.png is a binary file (14 bytes); read shows text files only.");
    assert.equal(result.details?.binary, true);
  } finally {
    w.remove();
  }
});

test("CRLF line endings are not shown and an empty file says it is empty", async () => {
  const w = testWorkspace();
  try {
    writeFileSync(join(w.workspace, "dos.txt"), "one\r\ntwo\r\n");
    writeFileSync(join(w.workspace, "empty.txt"), "");
    assert.equal((await read.execute({ path: "dos.txt" }, w.ctx)).content, "one\ntwo");
    assert.equal((await read.execute({ path: "empty.txt" }, w.ctx)).content, "[empty.txt is empty]");
  } finally {
    w.remove();
  }
});

test("reading through a symlink that leaves the workspace is refused", async () => {
  const w = testWorkspace();
  try {
    writeFileSync(join(w.outside, "secret.txt"), "top secret");
    symlinkSync(join(w.outside, "secret.txt"), join(w.workspace, "innocent.txt"));
    symlinkSync(w.outside, join(w.workspace, "dir-link"));
    for (const path of ["innocent.txt", "dir-link/secret.txt", "../outside/secret.txt", join(w.outside, "secret.txt")]) {
      await assert.rejects(read.execute({ path }, w.ctx), (err: unknown) => {
        return err instanceof ToolError && err.kind === "invalid_arguments" && /outside the workspace/.test(err.message) && !err.message.includes("top secret");
      }, path);
    }
  } finally {
    w.remove();
  }
});
