import { test } from "node:test";
import assert from "node:assert/strict";
import { IRC_LINE_BYTES, IRC_RELAY_PREFIX_MARGIN, ircLines, ircPayloadBudget } from "./irc-lines.js";

test("the payload budget is what PRIVMSG, the target, CRLF and the relay prefix leave of 512 bytes", () => {
  const framing = Buffer.byteLength("PRIVMSG #openclaw :\r\n");
  assert.equal(ircPayloadBudget("#openclaw"), IRC_LINE_BYTES - framing - IRC_RELAY_PREFIX_MARGIN);
  const prefix = Buffer.byteLength(":molty!~bot@gateway.example ");
  assert.equal(ircPayloadBudget("#openclaw", prefix), IRC_LINE_BYTES - framing - prefix);
  assert.equal(ircPayloadBudget("#café"), ircPayloadBudget("#cafe") - 1);
});

test("a line of exactly the budget makes a relayed line of exactly 512 bytes", () => {
  const prefix = ":nick!user@host ";
  const budget = ircPayloadBudget("#x", Buffer.byteLength(prefix));
  const [line] = ircLines("é".repeat(budget), { maxBytes: budget });
  const relayed = `${prefix}PRIVMSG #x :${line}\r\n`;
  assert.ok(Buffer.byteLength(relayed) <= IRC_LINE_BYTES);
  assert.ok(Buffer.byteLength(relayed) >= IRC_LINE_BYTES - 1);
});

test("bad targets and prefixes are rejected, as is a target that leaves no room", () => {
  assert.throws(() => ircPayloadBudget(""), RangeError);
  assert.throws(() => ircPayloadBudget("#a b"), RangeError);
  assert.throws(() => ircPayloadBudget("#a\r\nQUIT"), RangeError);
  assert.throws(() => ircPayloadBudget("#a", -1), RangeError);
  assert.throws(() => ircPayloadBudget("#" + "x".repeat(400)), RangeError);
  assert.throws(() => ircLines("x", { maxBytes: 3 }), RangeError);
});

test("each text line becomes one IRC line and blank lines are dropped", () => {
  assert.deepEqual(ircLines("hello\r\n\r\nworld\n   \nbye  ", { maxBytes: 100 }), ["hello", "world", "bye"]);
  assert.deepEqual(ircLines("\n\n", { maxBytes: 100 }), []);
});

test("fence lines are dropped and the code's lines kept, indentation included", () => {
  const text = "Here:\n```ts title=\"a.ts\"\nfunction f() {\n\n  return 1;\n}\n```\nDone.";
  assert.deepEqual(ircLines(text, { maxBytes: 100 }), ["Here:", "function f() {", "  return 1;", "}", "Done."]);
  assert.deepEqual(ircLines("````\n```\ninner\n```\n````", { maxBytes: 100 }), ["```", "inner", "```"]);
  assert.deepEqual(ircLines("~~~\nunclosed code", { maxBytes: 100 }), ["unclosed code"]);
  assert.deepEqual(ircLines("say ``` here", { maxBytes: 100 }), ["say ``` here"]);
});

test("long lines split within the byte budget, at spaces first, never inside a character", () => {
  const text = "word ".repeat(30).trim();
  const lines = ircLines(text, { maxBytes: 40 });
  assert.ok(lines.every((line) => Buffer.byteLength(line) <= 40 && !line.startsWith(" ") && !line.endsWith(" ")));
  assert.equal(lines.join(" "), text);
  const emoji = ircLines("😀".repeat(30), { maxBytes: 10 });
  assert.deepEqual(emoji, Array.from({ length: 15 }, () => "😀😀"));
  const cjk = ircLines("中".repeat(100), { maxBytes: 10 });
  assert.ok(cjk.every((line) => line === "中".repeat(3) || line === "中"));
  assert.equal(cjk.join(""), "中".repeat(100));
});

test("NUL, which IRC cannot carry, is removed", () => {
  assert.deepEqual(ircLines("a\0b", { maxBytes: 10 }), ["ab"]);
});

test("1 MB of text becomes IRC lines in well under a second", () => {
  const text = ("An IRC reply with some words, 😀 and 中文.\n```js\nconst x = 1;\n```\n" + "z".repeat(3000) + "\n").repeat(330);
  assert.ok(text.length > 1_000_000);
  const started = performance.now();
  const lines = ircLines(text, { maxBytes: ircPayloadBudget("#openclaw") });
  assert.ok(performance.now() - started < 500);
  assert.ok(lines.every((line) => Buffer.byteLength(line) <= ircPayloadBudget("#openclaw")));
});
