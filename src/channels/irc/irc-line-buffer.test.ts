import { test } from "node:test";
import assert from "node:assert/strict";
import { LineBuffer } from "./irc-line-buffer.js";

const b = (s: string) => Buffer.from(s, "utf8");

test("lines end at CR LF or a bare LF and may arrive in pieces, even mid-character", () => {
  const buf = new LineBuffer();
  assert.deepEqual(buf.push(b("PING :a\r\nPRIVMSG #x :hel")), ["PING :a"]);
  const emoji = b("lo 👋\r\n");
  assert.deepEqual(buf.push(emoji.subarray(0, 5)), []);
  assert.deepEqual(buf.push(Buffer.concat([emoji.subarray(5), b("bare\n\r\n\n")])), ["PRIVMSG #x :hello 👋", "bare"]);
});

test("a line longer than the limit is dropped whole and the buffer stays bounded", () => {
  const buf = new LineBuffer(100);
  assert.deepEqual(buf.push(b("x".repeat(60))), []);
  assert.deepEqual(buf.push(b("x".repeat(60))), [], "over the limit without a newline: discarding");
  assert.deepEqual(buf.push(b("y".repeat(10_000))), []);
  assert.deepEqual(buf.push(b("tail\r\nok\r\n")), ["ok"], "the rest of the long line is skipped up to its newline");
  assert.equal(buf.dropped, 1);
  assert.deepEqual(buf.push(b("z".repeat(101) + "\r\nfine\r\n")), ["fine"]);
  assert.equal(buf.dropped, 2);
  assert.deepEqual(buf.push(b("z".repeat(98) + "\r\n")), ["z".repeat(98)], "a line at the limit is kept");
});
