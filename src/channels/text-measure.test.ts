import { test } from "node:test";
import assert from "node:assert/strict";
import { fitEnd, largestCharSize, measureText } from "./text-measure.js";

test("chars counts UTF-16 code units and utf8-bytes counts encoded bytes", () => {
  assert.equal(measureText("a😀é中", "chars"), 5);
  assert.equal(measureText("a😀é中", "utf8-bytes"), 1 + 4 + 2 + 3);
  assert.equal(largestCharSize("chars"), 2);
  assert.equal(largestCharSize("utf8-bytes"), 4);
});

test("fitEnd in chars stops at the budget, or one short of it rather than halve a surrogate pair", () => {
  assert.equal(fitEnd("abcdef", 0, 4, "chars"), 4);
  assert.equal(fitEnd("abcdef", 2, 10, "chars"), 6);
  assert.equal(fitEnd("abc😀d", 0, 4, "chars"), 3);
  assert.equal(fitEnd("abc😀d", 0, 5, "chars"), 5);
});

test("fitEnd in bytes never ends inside a multi-byte character", () => {
  assert.equal(fitEnd("ééé", 0, 5, "utf8-bytes"), 2);
  assert.equal(fitEnd("a中b", 0, 3, "utf8-bytes"), 1);
  assert.equal(fitEnd("a中b", 0, 4, "utf8-bytes"), 2);
  assert.equal(fitEnd("😀😀", 0, 7, "utf8-bytes"), 2);
  assert.equal(fitEnd("😀😀", 0, 8, "utf8-bytes"), 4);
});

test("fitEnd counts a lone surrogate as the three bytes of U+FFFD, as Buffer does", () => {
  const lone = "a\ud800b";
  assert.equal(Buffer.byteLength(lone), 5);
  assert.equal(fitEnd(lone, 0, 4, "utf8-bytes"), 2);
  assert.equal(fitEnd(lone, 0, 5, "utf8-bytes"), 3);
});
