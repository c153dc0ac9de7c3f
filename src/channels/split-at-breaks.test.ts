import { test } from "node:test";
import assert from "node:assert/strict";
import { paragraphBreaks, splitAtBreaks } from "./split-at-breaks.js";

const split = (text: string, budget: number) => splitAtBreaks(text, { budget, measure: "chars" });

test("prefers a blank line over a later line break, sentence end or space", () => {
  assert.deepEqual(split("aa\n\nbb\ncc. dd ee", 14), ["aa", "bb\ncc. dd ee"]);
});

test("prefers a line break over a later sentence end or space", () => {
  assert.deepEqual(split("aa\nbb. cc dd", 11), ["aa", "bb. cc dd"]);
});

test("prefers a sentence end over a later space", () => {
  assert.deepEqual(split("One. Two three four", 15), ["One.", "Two three four"]);
  assert.deepEqual(split("Is it? Yes it is", 12), ["Is it?", "Yes it is"]);
  assert.deepEqual(split("He said \"go.\" Then left", 20), ["He said \"go.\"", "Then left"]);
  assert.deepEqual(split("第一句。第二句很长很长很长", 8), ["第一句。", "第二句很长很长很", "长"]);
});

test("a dot without a following space is no sentence end", () => {
  assert.deepEqual(split("see v1.2 here and", 12), ["see v1.2", "here and"]);
});

test("a word longer than the budget is cut hard", () => {
  assert.deepEqual(split("abcdefghij", 4), ["abcd", "efgh", "ij"]);
});

test("chunks drop trailing whitespace and leading blank lines, but keep a line's indentation", () => {
  assert.deepEqual(split("\n\n  a b  \n\n\n    c\n", 6), ["  a b", "    c"]);
  assert.deepEqual(split("x    y", 3), ["x", "y"]);
  assert.deepEqual(split(" \n\t\n ", 3), []);
});

test("no break falls inside an atomic span, and forced breaks always end a chunk", () => {
  const text = "a b\nKEEP ME\nc";
  const atomic = [{ start: 4, end: 11 }];
  assert.deepEqual(splitAtBreaks(text, { budget: 9, measure: "chars", atomic }), ["a b", "KEEP ME\nc"]);
  assert.deepEqual(splitAtBreaks("aa\nbb\ncc", { budget: 100, measure: "chars", forcedBreaks: [2] }), ["aa", "bb\ncc"]);
});

test("paragraphBreaks lists newlines before blank lines, skipping atomic spans", () => {
  assert.deepEqual(paragraphBreaks("a\n\nb\n \t\nc\nd"), [1, 4]);
  assert.deepEqual(paragraphBreaks("a\n\nb\n\nc", [{ start: 1, end: 3 }]), [4]);
});
