import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { readLineWindow } from "./line-window.js";
import { testWorkspace } from "./test-workspace.js";

/** What the window should be, worked out on the whole text at once. */
function expectedWindow(text: string, firstLine: number, maxLines: number, maxBytes: number) {
  const all = text === "" ? [] : text.split("\n");
  if (text.endsWith("\n")) all.pop();
  const lines: string[] = [];
  let bytes = 0;
  for (let i = firstLine - 1; i < all.length && lines.length < maxLines; i++) {
    const size = Buffer.byteLength(all[i]) + 1;
    if (bytes + size - 1 > maxBytes) break;
    lines.push(all[i]);
    bytes += size;
  }
  const next = firstLine + lines.length;
  return { lines, totalLines: all.length, nextLine: next <= all.length ? next : null };
}

test("windows match a whole-text reading across chunk boundaries", async () => {
  const w = testWorkspace();
  try {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const file = join(w.workspace, "f.txt");
    for (let round = 0; round < 30; round++) {
      const lines: string[] = [];
      const count = 1 + random(400);
      for (let i = 0; i < count; i++) lines.push("x".repeat(random(4) === 0 ? random(70_000) : random(80)) + `#${i}`);
      const text = lines.join("\n") + (random(2) === 0 ? "\n" : "");
      writeFileSync(file, text);
      const firstLine = 1 + random(count + 2);
      const maxLines = 1 + random(300);
      const maxBytes = 200_000;
      const got = await readLineWindow(file, { firstLine, maxLines, maxBytes, countUpToBytes: Infinity });
      const want = expectedWindow(text, firstLine, maxLines, maxBytes);
      if (got.lineCut) continue;
      assert.deepEqual(
        { lines: got.lines, totalLines: got.totalLines, nextLine: got.nextLine },
        want,
        `round ${round}: firstLine ${firstLine}, maxLines ${maxLines}`,
      );
    }
  } finally {
    w.remove();
  }
});

test("a line longer than the byte budget is cut at a character boundary", async () => {
  const w = testWorkspace();
  try {
    const file = join(w.workspace, "long.txt");
    writeFileSync(file, `${"é".repeat(100_000)}\nnext\n`);
    const got = await readLineWindow(file, { firstLine: 1, maxLines: 10, maxBytes: 1001, countUpToBytes: Infinity });
    assert.equal(got.lineCut, true);
    assert.equal(got.lines.length, 1);
    assert.equal(got.lines[0], "é".repeat(500));
    assert.equal(got.nextLine, 2);
    assert.equal(got.totalLines, 2);
  } finally {
    w.remove();
  }
});

test("a file larger than the counting limit is not scanned to its end", async () => {
  const w = testWorkspace();
  try {
    const file = join(w.workspace, "big.txt");
    writeFileSync(file, "line\n".repeat(100_000));
    const got = await readLineWindow(file, { firstLine: 1, maxLines: 3, maxBytes: 1000, countUpToBytes: 1000 });
    assert.deepEqual(got.lines, ["line", "line", "line"]);
    assert.equal(got.totalLines, null);
    assert.equal(got.nextLine, 4);
    const counted = await readLineWindow(file, { firstLine: 1, maxLines: 3, maxBytes: 1000, countUpToBytes: Infinity });
    assert.equal(counted.totalLines, 100_000);
  } finally {
    w.remove();
  }
});
