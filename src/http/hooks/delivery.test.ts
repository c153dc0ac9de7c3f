import { test } from "node:test";
import assert from "node:assert/strict";
import { deliveryUnavailable, directDelivery, mappedDelivery } from "./delivery.js";

const message = (choice: ReturnType<typeof directDelivery>) => (choice.ok ? "" : choice.message);

test("direct delivery: none of the fields is completion only; deliver:false ignores them", () => {
  assert.deepEqual(directDelivery({ deliver: true }), { ok: true, delivery: { kind: "none" } });
  assert.deepEqual(directDelivery({ deliver: false, channel: "last" }), { ok: true, delivery: { kind: "none" } });
});

test("direct delivery: half a destination, channel last, and a bare accountId are refused", () => {
  assert.match(message(directDelivery({ deliver: true, channel: "telegram" })), /channel and to must be supplied together/);
  assert.match(message(directDelivery({ deliver: true, to: "123" })), /channel and to must be supplied together/);
  assert.match(message(directDelivery({ deliver: true, channel: "last", to: "123" })), /"last" is not allowed/);
  assert.match(message(directDelivery({ deliver: true, accountId: "a" })), /accountId requires channel and to/);
});

test("a concrete destination is parsed, and reported unavailable while no channels run", () => {
  const choice = directDelivery({ deliver: true, channel: "Telegram", to: " 42 ", accountId: "bot" });
  assert.deepEqual(choice, { ok: true, delivery: { kind: "channel", channel: "telegram", to: "42", accountId: "bot" } });
  assert.match(deliveryUnavailable(choice.ok ? choice.delivery : { kind: "none" }) ?? "", /delivery channel "telegram" is not available/);
  assert.equal(deliveryUnavailable({ kind: "none" }), null);
});

test("mapped delivery: last (the default) is completion only", () => {
  assert.deepEqual(mappedDelivery(true, "last", undefined), { ok: true, delivery: { kind: "none" } });
  assert.deepEqual(mappedDelivery(true, "slack", "#ops"), { ok: true, delivery: { kind: "channel", channel: "slack", to: "#ops" } });
});
