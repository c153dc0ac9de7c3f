import { test } from "node:test";
import assert from "node:assert/strict";
import { graphemeBoundaryAtOrBefore } from "./grapheme-boundary.js";

test("a cut between plain characters stays", () => {
  assert.equal(graphemeBoundaryAtOrBefore("abcdef", 3, 0), 3);
});

test("a cut inside a cluster moves back to the cluster's start", () => {
  const combining = "xxe\u0301yy";
  assert.equal(graphemeBoundaryAtOrBefore(combining, 3, 0), 2);
  const family = "ab👨‍👩‍👧cd";
  assert.equal(graphemeBoundaryAtOrBefore(family, 2 + 5, 0), 2);
  const flags = "ab🇩🇪🇫🇷";
  assert.equal(graphemeBoundaryAtOrBefore(flags, 4, 0), 2);
  assert.equal(graphemeBoundaryAtOrBefore(flags, 6, 0), 6);
  const skin = "ab👍🏽";
  assert.equal(graphemeBoundaryAtOrBefore(skin, 4, 0), 2);
});

test("the cut stays when the cluster starts at the floor, so the chunk is never empty", () => {
  const zalgo = "e" + "\u0301".repeat(10);
  assert.equal(graphemeBoundaryAtOrBefore(zalgo, 5, 0), 5);
});
