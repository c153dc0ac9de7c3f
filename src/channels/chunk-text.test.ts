import { test } from "node:test";
import assert from "node:assert/strict";
import { chunkText, type ChunkTextOptions } from "./chunk-text.js";
import { measureText, type TextMeasure } from "./text-measure.js";

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const FENCE_LINE = /^ {0,3}(`{3,}|~{3,})/;

function assertWellFormed(chunks: string[], options: ChunkTextOptions): void {
  const measure = options.measure ?? "chars";
  for (const chunk of chunks) {
    assert.ok(measureText(chunk, measure) <= options.limit, `chunk of ${measureText(chunk, measure)} > ${options.limit}`);
    assert.ok(chunk.trim() !== "", "whitespace-only chunk");
    assert.ok(!chunk.startsWith("\n"), "chunk starts with a newline");
    assert.ok(!LONE_SURROGATE.test(chunk), "chunk splits a surrogate pair");
  }
}

const nonWhitespace = (text: string) => text.replace(/\s+/g, "");

test("text that fits, to the last unit, is one chunk; one unit more makes two", () => {
  assert.deepEqual(chunkText("a".repeat(10), { limit: 10 }), ["a".repeat(10)]);
  assert.deepEqual(chunkText("a".repeat(11), { limit: 10 }), ["a".repeat(10), "a"]);
  assert.deepEqual(chunkText("é".repeat(5), { limit: 10, measure: "utf8-bytes" }), ["é".repeat(5)]);
  assert.deepEqual(chunkText("é".repeat(5) + "a", { limit: 10, measure: "utf8-bytes" }), ["é".repeat(5), "a"]);
  assert.deepEqual(chunkText("aaaa bbbbb", { limit: 10 }), ["aaaa bbbbb"]);
  assert.deepEqual(chunkText("aaaa bbbbbb", { limit: 10 }), ["aaaa", "bbbbbb"]);
});

test("a space right after the limit is still a clean break", () => {
  assert.deepEqual(chunkText("aaaaaaaaaa bb", { limit: 10 }), ["aaaaaaaaaa", "bb"]);
  assert.deepEqual(chunkText("aaaaaaaaaa\n\nbb", { limit: 10 }), ["aaaaaaaaaa", "bb"]);
});

test("empty and whitespace-only text gives no chunks", () => {
  assert.deepEqual(chunkText("", { limit: 10 }), []);
  assert.deepEqual(chunkText(" \n\r\n\t ", { limit: 10 }), []);
});

test("prefers paragraph, then line, then sentence, then space, then a hard cut", () => {
  const limit = 40;
  assert.deepEqual(chunkText("First paragraph.\n\nSecond line one\nsecond line two", { limit }), [
    "First paragraph.",
    "Second line one\nsecond line two",
  ]);
  assert.deepEqual(chunkText("Line one here\nLine two. Still two and more words", { limit }), [
    "Line one here",
    "Line two. Still two and more words",
  ]);
  assert.deepEqual(chunkText("Sentence one is here. Sentence two goes on and on", { limit }), [
    "Sentence one is here.",
    "Sentence two goes on and on",
  ]);
  assert.deepEqual(chunkText("no sentence ends anywhere in this long text", { limit }), [
    "no sentence ends anywhere in this long",
    "text",
  ]);
});

test("a single 20 KB word is cut hard into full chunks", () => {
  const word = "x".repeat(20_000);
  const chunks = chunkText(word, { limit: 4096 });
  assert.deepEqual(chunks.map((c) => c.length), [4096, 4096, 4096, 4096, 3616]);
  assert.equal(chunks.join(""), word);
  const wide = "é".repeat(10_000);
  const byteChunks = chunkText(wide, { limit: 4095, measure: "utf8-bytes" });
  assertWellFormed(byteChunks, { limit: 4095, measure: "utf8-bytes" });
  assert.equal(byteChunks.join(""), wide);
  assert.equal(Buffer.byteLength(byteChunks[0]!), 4094);
});

test("an emoji at the cut moves whole to the next chunk", () => {
  assert.deepEqual(chunkText("a".repeat(9) + "😀b", { limit: 10 }), ["a".repeat(9), "😀b"]);
  assert.deepEqual(chunkText("a".repeat(8) + "😀b", { limit: 10 }), ["a".repeat(8) + "😀", "b"]);
  assert.deepEqual(chunkText("a".repeat(7) + "😀b", { limit: 10, measure: "utf8-bytes" }), ["a".repeat(7), "😀b"]);
  assert.deepEqual(chunkText("a".repeat(6) + "😀b", { limit: 10, measure: "utf8-bytes" }), ["a".repeat(6) + "😀", "b"]);
});

test("grapheme clusters are kept together at a hard cut when they can be", () => {
  const family = "👨‍👩‍👧";
  assert.deepEqual(chunkText("a".repeat(6) + family, { limit: 10 }), ["a".repeat(6), family]);
  assert.deepEqual(chunkText("a".repeat(9) + "e\u0301b", { limit: 10 }), ["a".repeat(9), "e\u0301b"]);
  assert.deepEqual(chunkText("abcdef🇩🇪", { limit: 8 }), ["abcdef", "🇩🇪"]);
});

test("CRLF and lone CR line endings are read as LF", () => {
  const chunks = chunkText("line one\r\nline two\r\n\r\npara two\rstill", { limit: 18 });
  assert.deepEqual(chunks, ["line one\nline two", "para two\nstill"]);
  const fenced = chunkText("```ts\r\nconst a = 1;\r\n```\r\n", { limit: 100 });
  assert.deepEqual(fenced, ["```ts\nconst a = 1;\n```"]);
});

test("a code block that fits a chunk is never split: it moves to the next chunk", () => {
  const prose = "p".repeat(30);
  const block = "```\nline 1\nline 2\nline 3\n```";
  const chunks = chunkText(`${prose}\n${block}\nafter`, { limit: 50 });
  assert.deepEqual(chunks, [prose, `${block}\nafter`]);
});

test("blank lines and spaces inside a block that fits are no break points", () => {
  const block = "```\nalpha beta\n\ngamma delta\n```";
  const chunks = chunkText(`intro words\n\n${block}`, { limit: block.length });
  assert.deepEqual(chunks, ["intro words", block]);
});

test("an oversized block is closed and reopened with the same fence and info string", () => {
  const open = '```ts title="x.ts"';
  const lines = Array.from({ length: 40 }, (_, i) => `const value${i} = ${i};`);
  const text = `Intro.\n${open}\n${lines.join("\n")}\n\`\`\`\nOutro.`;
  const limit = 200;
  const chunks = chunkText(text, { limit });
  assertWellFormed(chunks, { limit });
  assert.ok(chunks.length > 2);
  const body = chunks.flatMap((chunk) => {
    const chunkLines = chunk.split("\n");
    const opening = chunkLines.indexOf(open);
    const close = chunkLines.indexOf("```");
    assert.ok(opening >= 0 && close > opening, chunk);
    return chunkLines.slice(opening + 1, close);
  });
  assert.deepEqual(body, lines);
  assert.ok(chunks[0]!.startsWith("Intro.\n"));
  assert.ok(chunks.at(-1)!.endsWith("```\nOutro."));
});

test("a 10,000-line code block splits into fenced chunks of whole lines", () => {
  const lines = Array.from({ length: 10_000 }, (_, i) => `    row(${i}, "value ${i}");`);
  const text = "```python\n" + lines.join("\n") + "\n```";
  const limit = 4096;
  const chunks = chunkText(text, { limit });
  assertWellFormed(chunks, { limit });
  for (const chunk of chunks) {
    assert.ok(chunk.startsWith("```python\n    row("), chunk.slice(0, 40));
    assert.ok(chunk.endsWith("\n```"));
  }
  assert.deepEqual(chunks.flatMap((c) => c.split("\n").slice(1, -1)), lines);
  assert.ok(chunks.every((c, i) => i === chunks.length - 1 || c.length > limit - 40), "chunks are nearly full");
});

test("tilde and longer fences are reopened as written, with nested-looking fences kept as code", () => {
  const inner = Array.from({ length: 20 }, (_, i) => (i % 5 === 0 ? "```js" : i % 5 === 4 ? "```" : `code line ${i}`));
  const text = "````markdown\n" + inner.join("\n") + "\n````";
  const chunks = chunkText(text, { limit: 80 });
  assertWellFormed(chunks, { limit: 80 });
  for (const chunk of chunks) {
    assert.ok(chunk.startsWith("````markdown\n"));
    assert.ok(chunk.endsWith("\n````"));
  }
  assert.deepEqual(chunks.flatMap((c) => c.split("\n").slice(1, -1)), inner);
  const tilde = "~~~\n" + Array.from({ length: 20 }, (_, i) => `x${i}`).join("\n") + "\n~~~";
  for (const chunk of chunkText(tilde, { limit: 30 })) assert.match(chunk, /^~~~\n[\s\S]*\n~~~$/);
});

test("an unclosed block is closed early in every chunk but the last, which stays as written", () => {
  const text = "```sh\n" + Array.from({ length: 12 }, (_, i) => `echo ${i}`).join("\n");
  const chunks = chunkText(text, { limit: 40 });
  assertWellFormed(chunks, { limit: 40 });
  for (const chunk of chunks.slice(0, -1)) assert.ok(chunk.endsWith("\n```"));
  assert.ok(chunks.at(-1)!.endsWith("echo 11"));
});

test("fence markers inside text are not fences", () => {
  const text = "Type ``` to open a block, then ~~~ is also fine. " + "word ".repeat(20);
  const chunks = chunkText(text, { limit: 40 });
  assertWellFormed(chunks, { limit: 40 });
  assert.equal(nonWhitespace(chunks.join("")), nonWhitespace(text));
  assert.ok(!chunks.some((c) => c.endsWith("```") && c !== chunks[0]));
  const indented = "    ```\n    not a fence\n    ```\n" + "more words ".repeat(10);
  const indentedChunks = chunkText(indented, { limit: 30 });
  assert.equal(nonWhitespace(indentedChunks.join("")), nonWhitespace(indented));
});

test("a limit too small for the fence lines splits the block as plain text, still within the limit", () => {
  const text = "```typescript-with-a-long-info\n" + "code ".repeat(20) + "\n```";
  const chunks = chunkText(text, { limit: 24 });
  assertWellFormed(chunks, { limit: 24 });
  assert.equal(nonWhitespace(chunks.join("")), nonWhitespace(text));
});

test("newline mode ends a chunk at every paragraph, then splits long ones by length", () => {
  const text = "one\n\ntwo\nstill two\n\n\n  three\n\n" + "long words ".repeat(5);
  assert.deepEqual(chunkText(text, { limit: 30, mode: "newline" }), [
    "one",
    "two\nstill two",
    "  three",
    "long words long words long",
    "words long words long words",
  ]);
  assert.deepEqual(chunkText("one\n\ntwo", { limit: 30 }), ["one\n\ntwo"]);
});

test("newline mode does not split a code block at its blank lines", () => {
  const text = "before\n\n```\na\n\nb\n```\n\nafter";
  assert.deepEqual(chunkText(text, { limit: 100, mode: "newline" }), ["before", "```\na\n\nb\n```", "after"]);
});

test("bad options are rejected", () => {
  assert.throws(() => chunkText("x", { limit: 0 }), RangeError);
  assert.throws(() => chunkText("x", { limit: 1 }), RangeError);
  assert.throws(() => chunkText("x", { limit: 3, measure: "utf8-bytes" }), RangeError);
  assert.throws(() => chunkText("x", { limit: 10.5 }), RangeError);
  assert.throws(() => chunkText("x", { limit: 10, measure: "words" as TextMeasure }), RangeError);
  assert.throws(() => chunkText("x", { limit: 10, mode: "lines" as "length" }), RangeError);
  assert.deepEqual(chunkText("😀😀", { limit: 2 }), ["😀", "😀"]);
  assert.deepEqual(chunkText("😀😀", { limit: 4, measure: "utf8-bytes" }), ["😀", "😀"]);
});

function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Backticks and tildes appear only in whole fence lines, so fence-looking output lines are ours.
function randomText(random: () => number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const words = ["hello", "world", "chunk", "naïve", "über", "日本語", "中文字符", "😀", "👨‍👩‍👧", "🇩🇪", "e\u0301", "a.b", "x", "!"];
  const separators = [" ", " ", " ", ". ", "! ", "? ", "\n", "\n\n", "\r\n", "\n\n\n", "\t", "。", "  "];
  const parts: string[] = [];
  const count = Math.floor(random() * 120);
  for (let i = 0; i < count; i++) {
    const r = random();
    if (r < 0.06) {
      const fence = pick(["```", "~~~", "````"]);
      const info = pick(["", "ts", "python title=x", "sh"]);
      const body = Array.from({ length: Math.floor(random() * 30) }, () =>
        pick(["  indented code", "x = 1", "", "print('😀')", "a".repeat(Math.floor(random() * 90)), "中文 code"]),
      ).join("\n");
      parts.push(`\n${fence}${info}\n${body}${random() < 0.9 ? `\n${fence}` : ""}\n`);
      if (random() < 0.2) break;
    } else if (r < 0.1) {
      parts.push(pick(["x", "😀", "中", "é"]).repeat(Math.floor(random() * 400)));
    } else {
      parts.push(pick(words), pick(separators));
    }
  }
  return parts.join("");
}

function withoutFenceLines(texts: string[]): string {
  return texts.flatMap((t) => t.replace(/\r\n?/g, "\n").split("\n").filter((line) => !FENCE_LINE.test(line))).join("");
}

function isSubsequence(needle: string, haystack: string): boolean {
  let j = 0;
  for (let i = 0; i < haystack.length && j < needle.length; i++) if (haystack[i] === needle[j]) j++;
  return j === needle.length;
}

test("property: chunks fit, are never blank, and keep every visible character in order", () => {
  const random = seededRandom(20260906);
  for (let round = 0; round < 600; round++) {
    const text = randomText(random);
    const measure: TextMeasure = random() < 0.5 ? "chars" : "utf8-bytes";
    const mode = random() < 0.3 ? "newline" : "length";
    const smallLimits = round % 4 === 0;
    const limit = smallLimits ? 4 + Math.floor(random() * 36) : 40 + Math.floor(random() * 400);
    const options: ChunkTextOptions = { limit, measure, mode };
    const chunks = chunkText(text, options);
    const context = JSON.stringify({ round, limit, measure, mode });
    assertWellFormed(chunks, options);
    assert.ok(isSubsequence(nonWhitespace(text), nonWhitespace(chunks.join(""))), context);
    if (!smallLimits) assert.equal(nonWhitespace(withoutFenceLines(chunks)), nonWhitespace(withoutFenceLines([text])), context);
  }
});

test("property: every chunk closes the blocks it opens, but a last one the input never closed", () => {
  const random = seededRandom(7);
  for (let round = 0; round < 300; round++) {
    const text = randomText(random);
    const limit = 60 + Math.floor(random() * 300);
    const chunks = chunkText(text, { limit });
    const endsInsideBlock = !balanced(text.replace(/\r\n?/g, "\n"));
    for (const [i, chunk] of chunks.entries()) {
      if (endsInsideBlock && i === chunks.length - 1) continue;
      assert.ok(balanced(chunk), JSON.stringify({ round, limit, chunk }));
    }
  }
});

function balanced(text: string): boolean {
  let open: string | null = null;
  for (const line of text.split("\n")) {
    const run = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (run === undefined) continue;
    if (open === null) open = run;
    else if (run[0] === open[0] && run.length >= open.length && line.trim() === run) open = null;
  }
  return open === null;
}

test("1 MB of mixed text chunks in well under a second", () => {
  const paragraph =
    "The gateway relays replies to chat platforms. Some are long! Are they split well? 日本語のテキストも。 😀👍🏽\n" +
    "A second line follows the first one here.\n\n";
  const code = "```ts\n" + "const answer = compute(42); // 😀\n".repeat(200) + "```\n\n";
  let text = "";
  while (text.length < 1_000_000) text += paragraph.repeat(20) + code;
  const word = "w".repeat(1_000_000);
  for (const [input, options] of [
    [text, { limit: 4096 }],
    [text, { limit: 400, measure: "utf8-bytes" }],
    [text, { limit: 4000, mode: "newline" }],
    [word, { limit: 4096 }],
    [word, { limit: 400, measure: "utf8-bytes" }],
  ] as const) {
    const started = performance.now();
    const chunks = chunkText(input, options);
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 500, `${elapsed.toFixed(0)} ms for ${JSON.stringify(options)}`);
    assert.ok(chunks.length > 0);
  }
});
