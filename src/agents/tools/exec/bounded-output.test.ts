import { test } from "node:test";
import assert from "node:assert/strict";
import { BoundedOutput } from "./bounded-output.js";

test("output that fits is kept whole", () => {
  const out = new BoundedOutput(8, 8);
  out.push(Buffer.from("hello "));
  out.push(Buffer.from("world"));
  assert.equal(out.text(), "hello world");
  assert.equal(out.truncated, false);
  assert.equal(out.totalBytes, 11);
});

test("longer output keeps head and tail around a marker with the cut size", () => {
  const out = new BoundedOutput(4, 4);
  for (const piece of ["abcd", "efgh", "ijkl", "mnop", "qrst"]) out.push(Buffer.from(piece));
  assert.equal(out.text(), "abcd\n[... 12 bytes of output cut ...]\nqrst");
  assert.equal(out.cutBytes, 12);
  assert.equal(out.truncated, true);
});

test("one huge chunk is cut the same way", () => {
  const out = new BoundedOutput(3, 3);
  out.push(Buffer.from("0123456789"));
  assert.equal(out.text(), "012\n[... 4 bytes of output cut ...]\n789");
});

test("a cut never leaves half a character at its edges", () => {
  const out = new BoundedOutput(2, 2);
  out.push(Buffer.from("aé" + "x".repeat(10) + "éb"));
  const text = out.text();
  assert.ok(!text.includes("\uFFFD"), text);
  assert.match(text, /^a\n\[\.\.\. \d+ bytes of output cut \.\.\.\]\nb$/);
});

test("lastBytes previews the newest output", () => {
  const out = new BoundedOutput(4, 4);
  out.push(Buffer.from("abcdefghij"));
  assert.equal(out.lastBytes(2), "ij");
  const small = new BoundedOutput(10, 10);
  small.push(Buffer.from("abc"));
  assert.equal(small.lastBytes(2), "bc");
});
