/**
 * Serving the Control UI on the gateway's port (http spec §4.1, §2.8): a built UI folder given as
 * gateway.controlUi.root, the app page for app routes, fingerprinted assets cached for good,
 * precompressed copies chosen by Accept-Encoding, the index rewritten under a base path, the
 * runtime config behind the gateway token, and a clear 503 when no UI is built.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync, gunzipSync } from "node:zlib";
import { newDeviceKey, signConnect } from "../devices/device-keys.js";
import { TEST_TOKEN, connectParams, openClient, sendConnect, startFileGateway, startTestGateway } from "./harness.js";

const root = mkdtempSync(join(tmpdir(), "oc-ui-"));
mkdirSync(join(root, "assets"));
const INDEX = `<!doctype html><html lang="en"><head><script type="module" src="./assets/app-abc123.js"></script><script>window.boot=1</script></head><body><openclaw-app></openclaw-app></body></html>`;
writeFileSync(join(root, "index.html"), INDEX);
const APP_JS = "console.log('app');".repeat(50);
writeFileSync(join(root, "assets", "app-abc123.js"), APP_JS);
writeFileSync(join(root, "assets", "app-abc123.js.gz"), gzipSync(APP_JS));
writeFileSync(join(root, "favicon.svg"), "<svg/>");
const outside = mkdtempSync(join(tmpdir(), "oc-ui-outside-"));
writeFileSync(join(outside, "secret.txt"), "secret");
symlinkSync(join(outside, "secret.txt"), join(root, "leak.txt"));

const gw = await startFileGateway({ gateway: { controlUi: { root } } });
const get = (path: string, headers: Record<string, string> = {}) => fetch(gw.httpUrl + path, { headers, redirect: "manual" });

test("the app page answers / and any app route, with the Control UI's security headers and CSP", async () => {
  for (const path of ["/", "/chat/main/abc", "/settings/devices"]) {
    const res = await get(path, { accept: "text/html", "accept-encoding": "identity" });
    assert.equal(res.status, 200, path);
    assert.equal(res.headers.get("content-type"), "text/html; charset=utf-8");
    assert.equal(res.headers.get("x-frame-options"), "DENY");
    assert.equal(res.headers.get("cache-control"), "no-cache");
    assert.match(res.headers.get("content-security-policy") ?? "", /script-src 'self' 'sha256-[^']+'/);
    const html = await res.text();
    assert.match(html, /src="\/assets\/app-abc123\.js"/, "relative asset links are made absolute so deep links load them");
    assert.match(html, /data-openclaw-control-ui-base-path=""/);
  }
});

test("fingerprinted assets are immutable; precompressed copies are chosen by Accept-Encoding; deep links reach assets", async () => {
  const gz = await get("/assets/app-abc123.js", { "accept-encoding": "gzip" });
  assert.equal(gz.status, 200);
  assert.equal(gz.headers.get("cache-control"), "public, max-age=31536000, immutable");
  assert.equal(gz.headers.get("vary"), "Accept-Encoding");
  assert.equal(gz.headers.get("content-type"), "text/javascript; charset=utf-8");
  assert.equal(await gz.text(), APP_JS, "fetch decodes the gzip copy");
  const plain = await get("/chat/main/assets/app-abc123.js", { "accept-encoding": "identity" });
  assert.equal(plain.headers.get("content-encoding"), null);
  assert.equal(await plain.text(), APP_JS);
  assert.equal((await get("/assets/app-abc123.js.gz")).status, 404, "compressed copies are not addressable");
  assert.equal((await get("/assets/app-abc123.js", { "accept-encoding": "identity;q=0" })).status, 406);
});

test("other files are revalidated by date; missing files are 404 while missing routes get the app page", async () => {
  const icon = await get("/favicon.svg");
  assert.equal(icon.headers.get("cache-control"), "no-cache");
  const lastModified = icon.headers.get("last-modified")!;
  assert.ok(lastModified);
  assert.equal((await get("/favicon.svg", { "if-modified-since": lastModified })).status, 304);
  assert.equal((await get("/favicon.svg?v=abc")).headers.get("cache-control"), "public, max-age=31536000, immutable");
  assert.equal((await get("/missing.png")).status, 404);
  assert.equal((await get("/no/such/route", { accept: "application/json" })).status, 404, "only browsers asking for HTML get the app page");
  assert.equal((await get("/leak.txt")).status, 404, "a symlink out of the root is refused");
  const traversal = await get("/..%2f..%2fetc%2fpasswd", { accept: "text/html" });
  assert.doesNotMatch(await traversal.text(), /root:/);
});

test("the runtime config needs the gateway token; API routes and other methods stay where they were", async () => {
  assert.equal((await get("/control-ui-config.json")).status, 401);
  const res = await get("/control-ui-config.json", { authorization: `Bearer ${TEST_TOKEN}` });
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.basePath, "");
  assert.equal(typeof body.serverVersion, "string");
  assert.equal(body.terminalEnabled, false);
  assert.equal((await get("/v1/models")).status, 404, "a disabled API route is not taken over by the UI");
  assert.equal((await fetch(gw.httpUrl + "/", { method: "POST" })).status, 404);
  const gzipped = await get("/", { "accept-encoding": "gzip" });
  assert.equal(gzipped.headers.get("content-encoding"), "gzip", "the app page is compressed on the fly");
});

test("the runtime config also answers the browser's operator device token, never a wrong one", async () => {
  const key = newDeviceKey();
  const client = await openClient(gw.url);
  const nonce = client.frames.find((f) => f.event === "connect.challenge")!.payload.nonce;
  const params = connectParams({ scopes: ["operator.read"] }) as Record<string, any>;
  const device = signConnect(key, { nonce, connect: { clientId: params.client.id, clientMode: params.client.mode, role: "operator", scopes: ["operator.read"], token: TEST_TOKEN, platform: params.client.platform, deviceFamily: params.client.deviceFamily } });
  const hello = await sendConnect(client, { ...params, device });
  assert.equal(hello.ok, true, JSON.stringify(hello.error));
  const deviceToken = hello.payload.auth.deviceToken as string;
  assert.equal((await get("/control-ui-config.json", { authorization: `Bearer ${deviceToken}` })).status, 200);
  assert.equal((await get("/control-ui-config.json", { authorization: `Bearer ${deviceToken}x` })).status, 401);
  await client.close();
});

test("under a base path: the bare base redirects, the index is rewritten for it, the root is no longer the UI's", async () => {
  const based = await startTestGateway({ gateway: { controlUi: { root, basePath: "/openclaw/" } } });
  const redirect = await fetch(based.httpUrl + "/openclaw?x=1", { redirect: "manual" });
  assert.equal(redirect.status, 302);
  assert.equal(redirect.headers.get("location"), "/openclaw/?x=1");
  const page = await fetch(based.httpUrl + "/openclaw/chat", { headers: { accept: "text/html" } });
  assert.match(await page.text(), /src="\/openclaw\/assets\/app-abc123\.js"/);
  assert.equal((await fetch(based.httpUrl + "/openclaw/assets/app-abc123.js")).status, 200);
  assert.equal((await fetch(based.httpUrl + "/chat")).status, 404);
  await based.stop();
});

test("no built UI: a clear 503 that says what to do; a disabled UI is simply not there", async () => {
  const empty = mkdtempSync(join(tmpdir(), "oc-ui-empty-"));
  const missing = await startTestGateway({ gateway: { controlUi: { root: empty } } });
  const res = await fetch(missing.httpUrl + "/", { headers: { accept: "text/html" } });
  assert.equal(res.status, 503);
  assert.match(await res.text(), /No Control UI is installed in .*gateway\.controlUi\.root/);
  await missing.stop();
  const off = await startTestGateway({ gateway: { controlUi: { enabled: false, root } } });
  assert.equal((await fetch(off.httpUrl + "/")).status, 404);
  await off.stop();
});
