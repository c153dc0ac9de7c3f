import { test } from "node:test";
import assert from "node:assert/strict";
import { findFencedBlocks } from "./fenced-code.js";

test("finds a backtick block with its info string, body and closing line", () => {
  const text = "intro\n```ts title=\"a.ts\"\nconst a = 1;\n```\nafter";
  const [block, ...rest] = findFencedBlocks(text);
  assert.equal(rest.length, 0);
  assert.ok(block);
  assert.equal(block.openLine, "```ts title=\"a.ts\"");
  assert.equal(block.fence, "```");
  assert.equal(block.closeLine, "```");
  assert.equal(text.slice(block.bodyStart, block.bodyEnd), "const a = 1;");
  assert.equal(text.slice(block.start, block.end), "```ts title=\"a.ts\"\nconst a = 1;\n```");
});

test("a closing fence needs the same character and at least the opening's length", () => {
  const text = "````md\n```ts\ninner\n```\n~~~~\n````";
  const blocks = findFencedBlocks(text);
  assert.equal(blocks.length, 1);
  assert.equal(text.slice(blocks[0]!.bodyStart, blocks[0]!.bodyEnd), "```ts\ninner\n```\n~~~~");
  assert.equal(findFencedBlocks("~~~\n```\n~~~~~\nx").length, 1);
  assert.equal(findFencedBlocks("~~~\n```\n~~~~~\nx")[0]!.closeLine, "~~~~~");
});

test("inline backticks, four-space indentation and backticks in a backtick info string are not fences", () => {
  assert.deepEqual(findFencedBlocks("use ``` to open a block\nand ~~~ too"), []);
  assert.deepEqual(findFencedBlocks("    ```\n    code\n    ```"), []);
  assert.deepEqual(findFencedBlocks("```a`b\ntext"), []);
  assert.equal(findFencedBlocks("   ```\ncode\n   ```").length, 1);
  assert.equal(findFencedBlocks("~~~a`b\ncode\n~~~").length, 1);
});

test("an unclosed block runs to the end of the text", () => {
  const text = "a\n```py\nprint(1)\n";
  const [block] = findFencedBlocks(text);
  assert.equal(block!.closeLine, null);
  assert.equal(block!.end, text.length);
  assert.equal(text.slice(block!.bodyStart, block!.bodyEnd), "print(1)\n");
});

test("an empty block and one closed by a fence with trailing spaces", () => {
  const [empty] = findFencedBlocks("```\n```");
  assert.equal(empty!.bodyStart, empty!.bodyEnd);
  const [spaced] = findFencedBlocks("```\nx\n```   \ny");
  assert.equal(spaced!.closeLine, "```   ");
});
