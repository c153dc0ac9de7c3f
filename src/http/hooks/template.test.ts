import { test } from "node:test";
import assert from "node:assert/strict";
import { isTemplate, renderTemplate, type TemplateContext } from "./template.js";

const context: TemplateContext = {
  payload: { messages: [{ subject: "Hello", from: { name: "Ann" } }], count: 3, nothing: null, path: "payload-path" },
  headers: { "x-event-type": "push" },
  query: { kind: "ci" },
  path: "gmail",
  now: "2026-01-02T03:04:05.000Z",
};

test("dotted paths, [index], payload./headers./query. roots, path and now", () => {
  assert.equal(renderTemplate("{{messages[0].subject}} from {{ messages[0].from.name }}", context), "Hello from Ann");
  assert.equal(renderTemplate("{{payload.count}}/{{count}}", context), "3/3");
  assert.equal(renderTemplate("{{headers.x-event-type}} {{query.kind}} {{path}} {{now}}", context), "push ci gmail 2026-01-02T03:04:05.000Z");
  assert.equal(renderTemplate("{{payload.path}}", context), "payload-path");
});

test("missing and null values are empty; objects become JSON; other text stays", () => {
  assert.equal(renderTemplate("[{{missing.deep}}][{{nothing}}][{{messages[5].subject}}]", context), "[][][]");
  assert.equal(renderTemplate("{{messages[0].from}}", context), '{"name":"Ann"}');
  assert.equal(renderTemplate("{{ not valid() }} {x}", context), "{{ not valid() }} {x}");
});

test("no code runs and nothing reaches the prototype", () => {
  assert.equal(renderTemplate("{{constructor}}{{count.constructor}}{{messages[0].toString}}{{__proto__}}", context), "");
  assert.equal(renderTemplate("{{messages.length}}", context), "1", "an array's own length is data");
  assert.equal(renderTemplate("{{process.env.HOME}}", context), "");
});

test("isTemplate spots {{…}}", () => {
  assert.equal(isTemplate("gh:{{id}}"), true);
  assert.equal(isTemplate("gh:fixed"), false);
});
