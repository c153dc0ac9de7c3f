import { test } from "node:test";
import assert from "node:assert/strict";
import { callerToolCalls, selectClientTools, toolChoiceSatisfied } from "./client-tools.js";

const weather = { type: "function", function: { name: "get_weather", description: "Weather", parameters: { type: "object" } } };
const time = { type: "function", function: { name: "get_time" } };

test("function tools pass through; auto keeps them all and none strips them", () => {
  assert.deepEqual(selectClientTools([weather], undefined, "chat"), {
    ok: true,
    value: { tools: [{ name: "get_weather", description: "Weather", parameters: { type: "object" } }] },
  });
  assert.deepEqual(selectClientTools([weather], "none", "chat"), { ok: true, value: { toolChoice: "none" } });
  assert.deepEqual(selectClientTools(undefined, undefined, "chat"), { ok: true, value: {} });
});

test("required and a pinned function narrow the tools and add an instruction", () => {
  const required = selectClientTools([weather, time], "required", "chat");
  assert.ok(required.ok);
  assert.deepEqual(required.value.mustCall, ["get_weather", "get_time"]);
  assert.match(required.value.instruction ?? "", /You must call/);
  const pinned = selectClientTools([weather, time], { type: "function", function: { name: "get_time" } }, "chat");
  assert.ok(pinned.ok);
  assert.deepEqual(pinned.value.tools, [{ name: "get_time" }]);
  assert.deepEqual(pinned.value.toolChoice, { name: "get_time" });
  assert.equal(toolChoiceSatisfied(pinned.value, [{ id: "1", name: "get_weather", arguments: "{}" }]), false);
  assert.equal(toolChoiceSatisfied(pinned.value, [{ id: "1", name: "get_time", arguments: "{}" }]), true);
});

test("other tool kinds, unknown pinned names and bad choices are refused", () => {
  for (const [tools, choice] of [
    [[{ type: "code_interpreter" }], undefined],
    [[{ type: "function", function: {} }], undefined],
    [[weather], { type: "function", function: { name: "nope" } }],
    [[weather], "sometimes"],
    [[], "required"],
  ] as Array<[unknown, unknown]>) {
    const parsed = selectClientTools(tools, choice, "chat");
    assert.equal(parsed.ok, false);
    assert.match((parsed as { message: string }).message, /^Invalid tools\/tool_choice: /);
  }
});

test("the Responses dialect flattens the function fields and accepts both pinned forms", () => {
  const tools = [{ type: "function", name: "f", parameters: { type: "object" } }];
  const flat = selectClientTools(tools, { type: "function", name: "f" }, "responses");
  const nested = selectClientTools(tools, { type: "function", function: { name: "f" } }, "responses");
  assert.ok(flat.ok && nested.ok);
  assert.deepEqual(flat.value, nested.value);
});

test("only calls of the caller's own tools go back to it", () => {
  const selection = { tools: [{ name: "mine" }] };
  const calls = [{ id: "1", name: "mine", arguments: "{}" }, { id: "2", name: "exec", arguments: "{}" }];
  assert.deepEqual(callerToolCalls(selection, calls), [calls[0]]);
  assert.deepEqual(callerToolCalls({}, calls), []);
});
