/** config.apply and config.patch are control-plane writes: 30 a minute per method and client. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ADMIN_SCOPES, connectClient, startFileGateway, useGatewayCleanup } from "./harness.js";

useGatewayCleanup();

test("the 31st config.patch within a minute is refused as rate limited; config.apply keeps its own budget", async () => {
  const gw = await startFileGateway();
  const { client } = await connectClient(gw.url, { scopes: ADMIN_SCOPES });
  for (let i = 0; i < 30; i++) {
    const res = await client.request("config.patch", { raw: "{}", baseHash: "sha256:stale" });
    assert.equal(res.error?.details?.code, "STALE_HASH", `call ${i + 1} reaches the handler`);
  }
  const limited = await client.request("config.patch", { raw: "{}", baseHash: "sha256:stale" });
  assert.equal(limited.ok, false);
  assert.equal(limited.error.code, "UNAVAILABLE");
  assert.match(limited.error.message, /^rate limit exceeded for config\.patch; retry after \d+s$/);
  assert.equal(limited.error.retryable, true);
  assert.ok(limited.error.retryAfterMs > 0 && limited.error.retryAfterMs <= 60_000);
  assert.deepEqual(limited.error.details, { method: "config.patch", limit: "30 per 60s" });

  const apply = await client.request("config.apply", { raw: "{}", baseHash: "sha256:stale" });
  assert.equal(apply.error?.details?.code, "STALE_HASH");
});
