import { test } from "node:test";
import assert from "node:assert/strict";
import { maskSecret, Redactor } from "./redact.js";

test("long secrets keep 6 leading and 4 trailing characters; short ones are hidden", () => {
  assert.equal(maskSecret("abcdefghijklmnopqrstuvwxyz"), "abcdef…wxyz");
  assert.equal(maskSecret("short"), "***");
});

test("known secrets and secret-looking substrings are masked", () => {
  const r = new Redactor();
  const token = "owUMbiaa1jXYbismGBbrBv00nSxJMA1Y09nGadAYDto";
  r.setSecrets([token]);
  for (const line of [`connect with ${token}`, `token=hunter2-and-more-stuff`, `Authorization: Bearer abcdefghijklmnopqrstuvwxyz`, `key sk-abcdefghijklmnop`, `"password":"p4ssw0rd-p4ssw0rd!!"`, `http://h/#token=${token}`]) {
    const out = r.redact(line);
    assert.ok(!out.includes(token), out);
    assert.ok(!out.includes("hunter2-and-more-stuff"), out);
    assert.ok(!out.includes("abcdefghijklmnopqrstuvwxyz"), out);
    assert.ok(!out.includes("sk-abcdefghijklmnop"), out);
    assert.ok(!out.includes("p4ssw0rd-p4ssw0rd!!"), out);
  }
  assert.equal(r.redact("nothing secret here"), "nothing secret here");
});

test("custom patterns replace the defaults", () => {
  const r = new Redactor();
  r.setPatterns(["/ssn=(\\d+)/"]);
  assert.equal(r.redact("ssn=123456"), "ssn=***");
  assert.equal(r.redact("token=visible-now-12345678"), "token=visible-now-12345678");
});
