/** HTTP probes on the gateway port (http.md §1.8). */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { connectClient, http, startFileGateway } from "./harness.js";

const gw = await startFileGateway();

function assertProbeHeaders(headers: Headers): void {
  assert.equal(headers.get("cache-control"), "no-store");
  assert.match(headers.get("content-type") ?? "", /^application\/json; charset=utf-8$/i);
  assert.ok(headers.get("content-length") !== null, "Content-Length is set");
}

describe("liveness", () => {
  for (const path of ["/healthz", "/health", "/healthz?verbose=1"]) {
    test(`GET ${path} -> 200 {"ok":true,"status":"live"}, no-store`, async () => {
      const res = await http(gw.httpUrl + path);
      assert.equal(res.status, 200);
      assert.deepEqual(res.json, { ok: true, status: "live" });
      assertProbeHeaders(res.headers);
    });
  }

  test("HEAD /healthz -> 200 without a body", async () => {
    const res = await http(`${gw.httpUrl}/healthz`, { method: "HEAD" });
    assert.equal(res.status, 200);
    assert.equal(res.text, "");
    assert.equal(res.headers.get("cache-control"), "no-store");
  });

  test("the probe works while WebSocket clients are connected", async () => {
    const { client } = await connectClient(gw.url);
    const res = await http(`${gw.httpUrl}/health`);
    assert.equal(res.status, 200);
    assert.equal((await client.request("health")).ok, true);
    await client.close();
  });
});

describe("readiness and startup", () => {
  for (const path of ["/readyz", "/ready"]) {
    test(`GET ${path} from loopback -> 200 ready with failing [] and uptimeMs`, async () => {
      const res = await http(gw.httpUrl + path);
      assert.equal(res.status, 200);
      assert.equal(res.json.ready, true);
      assert.deepEqual(res.json.failing, []);
      assert.ok(Number.isInteger(res.json.uptimeMs) && res.json.uptimeMs >= 0);
      assertProbeHeaders(res.headers);
    });
  }

  test("GET /readyz through a proxy (X-Forwarded-For) hides the details", async () => {
    const res = await http(`${gw.httpUrl}/readyz`, { headers: { "x-forwarded-for": "203.0.113.9" } });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { ready: true });
  });

  for (const path of ["/startupz", "/startup"]) {
    test(`GET ${path} -> 200 {ok:true,status:"started",…}`, async () => {
      const res = await http(gw.httpUrl + path);
      assert.equal(res.status, 200);
      assert.equal(res.json.ok, true);
      assert.equal(res.json.status, "started");
      assertProbeHeaders(res.headers);
    });
  }

  test("GET /startupz from loopback includes version and uptimeMs", async () => {
    const res = await http(`${gw.httpUrl}/startupz`);
    assert.equal(typeof res.json.version, "string");
    assert.ok(Number.isInteger(res.json.uptimeMs));
  });

  test("GET /startupz through a proxy hides the details", async () => {
    const res = await http(`${gw.httpUrl}/startupz`, { headers: { forwarded: "for=203.0.113.9" } });
    assert.deepEqual(res.json, { ok: true, status: "started" });
  });
});

describe("methods and unknown paths", () => {
  for (const [method, path] of [["POST", "/healthz"], ["PUT", "/readyz"], ["DELETE", "/startupz"], ["OPTIONS", "/health"]] as const) {
    test(`${method} ${path} -> 405 with Allow "GET, HEAD"`, async () => {
      const res = await http(gw.httpUrl + path, { method, ...(method === "POST" || method === "PUT" ? { body: "{}" } : {}) });
      assert.equal(res.status, 405);
      assert.equal(res.headers.get("allow"), "GET, HEAD");
    });
  }

  test('405 body is text/plain "Method Not Allowed" (http.md §1.8)', async () => {
    const res = await http(`${gw.httpUrl}/healthz`, { method: "POST", body: "{}" });
    assert.equal(res.status, 405);
    assert.match(res.headers.get("content-type") ?? "", /^text\/plain/);
    assert.equal(res.text, "Method Not Allowed");
  });

  test("GET /health/x -> 404 (the probe namespace is not the Control UI's)", async () => {
    assert.equal((await http(gw.httpUrl + "/health/x")).status, 404);
  });

  for (const path of ["/nope", "/healthzz"]) {
    test(`GET ${path} is a Control UI route (its page), not a probe`, async () => {
      const res = await http(gw.httpUrl + path, { headers: { accept: "text/html" } });
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
      assert.match(res.text, /<div id="app">/);
    });
  }

  test("GET /.env names a file the UI does not have: 404", async () => {
    assert.equal((await http(gw.httpUrl + "/.env")).status, 404);
  });

  test("a malformed request line does not take the server down", async () => {
    const net = await import("node:net");
    await new Promise<void>((resolve) => {
      const s = net.connect({ port: gw.port, host: "127.0.0.1" }, () => s.write("GARBAGE\r\n\r\n"));
      s.on("error", () => resolve());
      s.on("close", () => resolve());
      s.resume();
    });
    const res = await http(`${gw.httpUrl}/healthz`);
    assert.equal(res.status, 200);
  });
});
