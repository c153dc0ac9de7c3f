import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { BOTH_ENDPOINTS, startTestServer, TEST_TOKEN, testGateway, type TestConfig, type TestServer } from "./test-helpers.js";

const gateway = testGateway();
let server: TestServer;
before(async () => (server = await startTestServer(gateway.context)));
after(() => server.close());

/** GET from `from` (127.0.0.2 plays a same-host reverse proxy); resolves status and parsed body. */
function get(path: string, headers: Record<string, string>, from = "127.0.0.1"): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.baseUrl}${path}`, { headers, localAddress: from }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : null }));
    });
    req.on("error", reject);
    req.end();
  });
}

function withGateway(extra: Record<string, unknown>): TestConfig {
  return { ...BOTH_ENDPOINTS, gateway: { ...BOTH_ENDPOINTS.gateway, ...extra } };
}

const PROXY = "127.0.0.2";
const ALICE = { "x-forwarded-for": "198.51.100.7", "x-forwarded-user": "alice" };
const TRUSTED_PROXY = { trustedProxies: [PROXY], auth: { mode: "trusted-proxy", trustedProxy: { userHeader: "x-forwarded-user", allowLoopback: true } } };

test("any mode: forwarded headers on a loopback socket from an unlisted proxy get 403 proxy_attribution_required", async () => {
  gateway.setAuth({ mode: "token", token: TEST_TOKEN });
  gateway.setConfig(BOTH_ENDPOINTS);
  const bearer = { authorization: `Bearer ${TEST_TOKEN}` };
  const refused = await get("/v1/models", { ...bearer, "x-forwarded-for": "198.51.100.7" });
  assert.equal(refused.status, 403);
  assert.equal(refused.body.error.type, "proxy_attribution_required");
  assert.match(refused.body.error.message, /Configure gateway\.trustedProxies/);
  assert.equal((await get("/v1/models", { ...bearer, forwarded: "for=198.51.100.7" })).status, 403);
  assert.equal((await get("/v1/models", bearer)).status, 200, "no forwarding headers: the token decides");
  gateway.setConfig(withGateway({ trustedProxies: ["127.0.0.1"] }));
  assert.equal((await get("/v1/models", { ...bearer, "x-forwarded-for": "198.51.100.7" })).status, 200, "a listed proxy is fine");
  gateway.setAuth({ mode: "none" });
  gateway.setConfig(BOTH_ENDPOINTS);
  assert.equal((await get("/v1/models", { "x-forwarded-for": "198.51.100.7" })).status, 403, "mode none too");
});

test("trusted-proxy: the proxy's user is admitted; refusals are 401 with the reason as code", async () => {
  gateway.setAuth({ mode: "trusted-proxy" });
  gateway.setConfig(withGateway(TRUSTED_PROXY));
  assert.equal((await get("/v1/models", ALICE, PROXY)).status, 200);
  const direct = await get("/v1/models", {});
  assert.equal(direct.status, 401);
  assert.deepEqual(direct.body, { error: { message: "Unauthorized", type: "unauthorized", code: "trusted_proxy_untrusted_source" } });
  const forged = await get("/v1/models", ALICE);
  assert.equal(forged.status, 403, "a same-host caller forging the proxy's headers");
  assert.equal(forged.body.error.type, "proxy_attribution_required");
  assert.equal((await get("/v1/models", { "x-forwarded-for": "198.51.100.7" }, PROXY)).body.error.code, "trusted_proxy_user_missing");
  const foreignOrigin = await get("/v1/models", { ...ALICE, origin: "https://evil.example" }, PROXY);
  assert.equal(foreignOrigin.body.error.code, "trusted_proxy_origin_not_allowed");
});

test("trusted-proxy: x-openclaw-scopes is honoured, capped by identityScopes", async () => {
  gateway.setAuth({ mode: "trusted-proxy" });
  const scoped = { ...TRUSTED_PROXY, auth: { ...TRUSTED_PROXY.auth, identityScopes: { bob: ["operator.approvals"] } } };
  gateway.setConfig(withGateway(scoped));
  assert.equal((await get("/v1/models", { ...ALICE, "x-openclaw-scopes": "operator.read" }, PROXY)).status, 200);
  const none = await get("/v1/models", { ...ALICE, "x-openclaw-scopes": "" }, PROXY);
  assert.equal(none.status, 403, "present but empty: no scopes");
  assert.equal((await get("/v1/models", { ...ALICE, "x-forwarded-user": "bob" }, PROXY)).status, 403, "bob may only hold operator.approvals");
});

test("trusted-proxy: a same-host direct caller may use the password, never through forwarding headers", async () => {
  gateway.setAuth({ mode: "trusted-proxy", password: "local-pass" });
  gateway.setConfig(withGateway(TRUSTED_PROXY));
  assert.equal((await get("/v1/models", { authorization: "Bearer local-pass" })).status, 200);
  const wrong = await get("/v1/models", { authorization: "Bearer nope" });
  assert.deepEqual([wrong.status, wrong.body.error.type], [401, "unauthorized"]);
  assert.equal((await get("/v1/models", { authorization: "Bearer local-pass", "x-forwarded-for": "198.51.100.7" })).status, 403);
  gateway.setAuth({ mode: "trusted-proxy" });
  assert.equal((await get("/v1/models", { authorization: "Bearer local-pass" })).status, 401, "no password configured: no fallback");
});
