import { test } from "node:test";
import assert from "node:assert/strict";
import { outboundSafeText, parseCtcp, stripIrcFormatting } from "./irc-format.js";

test("bold, italic, underline, strikethrough, monospace, reverse and reset codes are removed", () => {
  assert.equal(stripIrcFormatting("\x02bold\x02 \x1Ditalic\x1D \x1Funder\x1F \x1Estrike\x1E \x11mono\x11 \x16rev\x16 end\x0F"), "bold italic under strike mono rev end");
});

test("colour codes with foreground, background or neither are removed, digits after them are kept", () => {
  assert.equal(stripIrcFormatting("\x0304red\x03 \x034,12blue-bg\x03 \x03plain"), "red blue-bg plain");
  assert.equal(stripIrcFormatting("\x0312345"), "345", "at most two digits belong to the colour");
  assert.equal(stripIrcFormatting("\x03,5x"), ",5x", "a comma without a foreground is text");
  assert.equal(stripIrcFormatting("\x04FF0000red\x04 \x04ff0000,00FF00both\x04"), "red both");
});

test("other control characters go and tabs become spaces; ordinary text is untouched", () => {
  assert.equal(stripIrcFormatting("a\x00b\x07c\td\x7Fe"), "abc de");
  assert.equal(stripIrcFormatting("héllo 👋 <b>"), "héllo 👋 <b>");
});

test("CTCP messages are recognised, with or without the closing \\x01", () => {
  assert.deepEqual(parseCtcp("\x01ACTION waves hello\x01"), { verb: "ACTION", args: "waves hello" });
  assert.deepEqual(parseCtcp("\x01version\x01"), { verb: "VERSION", args: "" });
  assert.deepEqual(parseCtcp("\x01ACTION unterminated"), { verb: "ACTION", args: "unterminated" });
  assert.equal(parseCtcp("not ctcp \x01"), null);
});

test("outbound text loses NUL and \\x01, so a reply can neither be cut nor become a CTCP request", () => {
  assert.equal(outboundSafeText("\x01DCC SEND x\x01 a\x00b"), "DCC SEND x ab");
  assert.equal(outboundSafeText("line one\r\nline two"), "line one\r\nline two", "line breaks are ircLines' job");
});
