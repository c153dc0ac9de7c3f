/** Connect-time shared-secret authentication and the auth rate limiter (protocol.md §3). */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  TEST_TOKEN,
  connectClient,
  connectParams,
  openClient,
  sendConnect,
  startTestGateway,
  useGatewayCleanup,
  type Frame,
  type TestGateway,
} from "./harness.js";

useGatewayCleanup();

async function attempt(gw: TestGateway, auth: unknown, overrides: Record<string, unknown> = {}): Promise<{ res: Frame; close: { code: number; reason: string } | null; ms: number }> {
  const client = await openClient(gw.url);
  const started = Date.now();
  const res = await sendConnect(client, connectParams({ auth, ...overrides }), 10_000);
  const ms = Date.now() - started;
  const close = res.ok ? null : await client.waitForClose();
  await client.close();
  return { res, close, ms };
}

function assertAuthFailure(r: { res: Frame; close: { code: number; reason: string } | null }, detailsCode: string, text: string): void {
  assert.equal(r.res.ok, false, "connect must fail");
  assert.equal(r.res.error.code, "INVALID_REQUEST");
  assert.ok(r.res.error.message.startsWith("unauthorized: "), `message: ${r.res.error.message}`);
  assert.ok(r.res.error.message.includes(text), `message "${r.res.error.message}" must contain "${text}"`);
  assert.equal(r.res.error.details?.code, detailsCode);
  assert.ok(r.close, "socket closed");
  assert.equal(r.close.code, 1008);
  assert.ok(r.res.error.message.startsWith(r.close.reason) && r.close.reason.startsWith("unauthorized: "), `close reason is the (truncated) message: ${r.close.reason}`);
}

describe("token mode", () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({ auth: { mode: "token", token: TEST_TOKEN } });
  });
  after(() => gw.stop());

  test("the right token gets hello-ok with auth.method token", async () => {
    const { res } = await attempt(gw, { token: TEST_TOKEN });
    assert.equal(res.ok, true, JSON.stringify(res.error));
    assert.equal(res.payload.type, "hello-ok");
    assert.equal(res.payload.auth.method, "token");
  });

  test("a wrong token gets AUTH_TOKEN_MISMATCH and close 1008", async () => {
    const r = await attempt(gw, { token: "wrong-token" });
    assertAuthFailure(r, "AUTH_TOKEN_MISMATCH", "gateway token mismatch");
    assert.equal(r.res.error.details.authReason, "token_mismatch");
    assert.equal(r.res.error.details.canRetryWithDeviceToken, false);
    assert.equal(r.res.error.details.recommendedNextStep, "update_auth_credentials");
  });

  test("a token that is a prefix of the right one is a mismatch", async () => {
    assertAuthFailure(await attempt(gw, { token: TEST_TOKEN.slice(0, -1) }), "AUTH_TOKEN_MISMATCH", "gateway token mismatch");
  });

  test("a token with the right one as prefix is a mismatch", async () => {
    assertAuthFailure(await attempt(gw, { token: TEST_TOKEN + "x" }), "AUTH_TOKEN_MISMATCH", "gateway token mismatch");
  });

  for (const [label, auth] of [
    ["no auth object", undefined],
    ["empty auth object", {}],
    ["empty token", { token: "" }],
  ] as const) {
    test(`a missing token (${label}) gets AUTH_TOKEN_MISSING`, async () => {
      const r = await attempt(gw, auth);
      assertAuthFailure(r, "AUTH_TOKEN_MISSING", "gateway token missing");
      assert.equal(r.res.error.details.recommendedNextStep, "update_auth_configuration");
    });
  }

  test("token mode ignores auth.password: the Control UI sends the token in both fields", async () => {
    const { res } = await attempt(gw, { token: TEST_TOKEN, password: "garbage-password" });
    assert.equal(res.ok, true, JSON.stringify(res.error));
    assert.equal(res.payload.auth.method, "token");
  });

  test("token mode does not accept the token in auth.password alone", async () => {
    assertAuthFailure(await attempt(gw, { password: TEST_TOKEN }), "AUTH_TOKEN_MISSING", "gateway token missing");
  });

  test("a failed attempt does not echo the presented secret", async () => {
    const secret = "leaky-secret-0123456789";
    const r = await attempt(gw, { token: secret });
    assert.ok(!JSON.stringify(r.res).includes(secret));
    assert.ok(!r.close!.reason.includes(secret));
  });

  test("the gateway keeps serving after auth failures", async () => {
    const { client } = await connectClient(gw.url);
    assert.equal((await client.request("health")).ok, true);
  });
});

describe("password mode", () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({ auth: { mode: "password", password: "pw-secret" } });
  });
  after(() => gw.stop());

  test("the right password gets hello-ok with auth.method password", async () => {
    const { res } = await attempt(gw, { password: "pw-secret" });
    assert.equal(res.ok, true, JSON.stringify(res.error));
    assert.equal(res.payload.auth.method, "password");
  });

  test("a wrong password gets AUTH_PASSWORD_MISMATCH", async () => {
    const r = await attempt(gw, { password: "nope" });
    assertAuthFailure(r, "AUTH_PASSWORD_MISMATCH", "gateway password mismatch");
    assert.equal(r.res.error.details.authReason, "password_mismatch");
  });

  test("a missing password gets AUTH_PASSWORD_MISSING", async () => {
    assertAuthFailure(await attempt(gw, {}), "AUTH_PASSWORD_MISSING", "gateway password missing");
  });

  test("the password sent as auth.token does not authenticate in password mode", async () => {
    assertAuthFailure(await attempt(gw, { token: "pw-secret" }), "AUTH_PASSWORD_MISSING", "gateway password missing");
  });
});

describe("mode none", () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({ auth: { mode: "none" } });
  });
  after(() => gw.stop());

  test("a client without credentials is accepted", async () => {
    const { res } = await attempt(gw, undefined);
    assert.equal(res.ok, true, JSON.stringify(res.error));
    assert.equal(res.payload.auth.method, "none");
  });

  test("a client with arbitrary credentials is accepted", async () => {
    const { res } = await attempt(gw, { token: "whatever", password: "whatever" });
    assert.equal(res.ok, true, JSON.stringify(res.error));
  });
});

describe("token mode without a configured token", () => {
  test("every attempt gets AUTH_TOKEN_NOT_CONFIGURED", async () => {
    const gw = await startTestGateway({ auth: { mode: "token" } });
    assertAuthFailure(await attempt(gw, { token: "anything" }), "AUTH_TOKEN_NOT_CONFIGURED", "gateway token not configured");
    await gw.stop();
  });
});

describe("rate limiting (exemptLoopback:false, maxAttempts:3)", () => {
  test("after 3 wrong tokens even the right token is refused with AUTH_RATE_LIMITED", async () => {
    const gw = await startTestGateway({ gateway: { auth: { rateLimit: { exemptLoopback: false, maxAttempts: 3 } } } });
    for (let i = 0; i < 3; i++) {
      assertAuthFailure(await attempt(gw, { token: `wrong-${i}` }), "AUTH_TOKEN_MISMATCH", "gateway token mismatch");
    }
    for (let i = 0; i < 2; i++) {
      const r = await attempt(gw, { token: TEST_TOKEN });
      assertAuthFailure(r, "AUTH_RATE_LIMITED", "too many failed authentication attempts");
      assert.equal(r.res.error.retryable, true);
      assert.ok(Number.isInteger(r.res.error.retryAfterMs) && r.res.error.retryAfterMs > 0, `retryAfterMs ${r.res.error.retryAfterMs}`);
      assert.equal(r.res.error.details.recommendedNextStep, "wait_then_retry");
    }
    await gw.stop();
  });

  test("a successful connect resets the failure count", async () => {
    const gw = await startTestGateway({ gateway: { auth: { rateLimit: { exemptLoopback: false, maxAttempts: 3 } } } });
    for (let i = 0; i < 2; i++) assertAuthFailure(await attempt(gw, { token: "wrong" }), "AUTH_TOKEN_MISMATCH", "mismatch");
    assert.equal((await attempt(gw, { token: TEST_TOKEN })).res.ok, true);
    for (let i = 0; i < 2; i++) assertAuthFailure(await attempt(gw, { token: "wrong" }), "AUTH_TOKEN_MISMATCH", "mismatch");
    assert.equal((await attempt(gw, { token: TEST_TOKEN })).res.ok, true, "2 + 2 failures with a success between must not lock out");
    await gw.stop();
  });

  test("the lockout is per gateway process state, other gateways are unaffected", async () => {
    const a = await startTestGateway({ gateway: { auth: { rateLimit: { exemptLoopback: false, maxAttempts: 3 } } } });
    const b = await startTestGateway({ gateway: { auth: { rateLimit: { exemptLoopback: false, maxAttempts: 3 } } } });
    for (let i = 0; i < 3; i++) await attempt(a, { token: "wrong" });
    assert.equal((await attempt(a, { token: TEST_TOKEN })).res.error?.details?.code, "AUTH_RATE_LIMITED");
    assert.equal((await attempt(b, { token: TEST_TOKEN })).res.ok, true);
    await Promise.all([a.stop(), b.stop()]);
  });
});

describe("rate limiting with the default exemptLoopback", () => {
  test("loopback is never locked out, but repeated failures are answered more and more slowly", async () => {
    const gw = await startTestGateway({ gateway: { auth: { rateLimit: { maxAttempts: 2 } } } });
    const timings: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await attempt(gw, { token: `wrong-${i}` });
      assertAuthFailure(r, "AUTH_TOKEN_MISMATCH", "gateway token mismatch");
      timings.push(r.ms);
    }
    assert.ok(timings[2] >= 450, `3rd failure answered after ${timings[2]}ms, expected a back-off delay (timings ${timings})`);
    assert.ok(timings[2] > timings[0], `delays grow (timings ${timings})`);
    const ok = await attempt(gw, { token: TEST_TOKEN });
    assert.equal(ok.res.ok, true, `loopback must not be locked out: ${JSON.stringify(ok.res.error)}`);
    assert.ok(ok.ms < 400, `a correct token is answered without delay (${ok.ms}ms)`);
    await gw.stop();
  });
});

describe("rate limiting details (protocol.md §9.2)", () => {
  test("missing credentials do not count as failures", async () => {
    const gw = await startTestGateway({ gateway: { auth: { rateLimit: { exemptLoopback: false, maxAttempts: 3 } } } });
    for (let i = 0; i < 5; i++) assertAuthFailure(await attempt(gw, {}), "AUTH_TOKEN_MISSING", "gateway token missing");
    const ok = await attempt(gw, { token: TEST_TOKEN });
    assert.equal(ok.res.ok, true, `missing tokens must not lock out: ${JSON.stringify(ok.res.error)}`);
    await gw.stop();
  });

  test("browser-origin sockets from loopback are not exempt and are keyed by origin", async () => {
    const gw = await startTestGateway({ gateway: { auth: { rateLimit: { maxAttempts: 3 } } } });
    const origin = `http://127.0.0.1:${gw.port}`;
    const ui = { client: { id: "openclaw-control-ui", mode: "webchat" } };
    const browserAttempt = async (token: string) => {
      const client = await openClient(gw.url, { origin });
      const res = await sendConnect(client, connectParams({ ...ui, auth: { token, password: token } }), 10_000);
      const close = res.ok ? null : await client.waitForClose();
      await client.close();
      return { res, close };
    };
    for (let i = 0; i < 3; i++) assertAuthFailure(await browserAttempt("wrong"), "AUTH_TOKEN_MISMATCH", "gateway token mismatch");
    const locked = await browserAttempt(TEST_TOKEN);
    assertAuthFailure(locked, "AUTH_RATE_LIMITED", "too many failed authentication attempts");
    // A plain (non-browser) loopback client is keyed by IP and exempt: unaffected by the browser lockout.
    assert.equal((await attempt(gw, { token: TEST_TOKEN })).res.ok, true);
    await gw.stop();
  });
});
