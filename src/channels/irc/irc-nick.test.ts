import { test } from "node:test";
import assert from "node:assert/strict";
import { fallbackNick } from "./irc-nick.js";

test("nick fallbacks: nick_, nick__, then the nick with three random digits", () => {
  assert.equal(fallbackNick("molty", 1), "molty_");
  assert.equal(fallbackNick("molty", 2), "molty__");
  assert.equal(fallbackNick("molty", 3, () => 0.042), "molty042");
  assert.match(fallbackNick("molty", 7), /^molty\d{3}$/);
});
