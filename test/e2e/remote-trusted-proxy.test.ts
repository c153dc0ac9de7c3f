/**
 * Trusted-proxy auth behind a real reverse proxy: Debian's nginx sets the user header and
 * connects to the gateway (a real process) from 127.0.0.2, the only address in
 * gateway.trustedProxies. Requests through nginx are admitted as that user; the same headers
 * sent straight to the gateway are refused, and so are users and requests the policy excludes.
 */
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import WebSocket from "ws";
import { GatewayClient } from "../../src/client/gateway-client.js";
import { dump, getFreePorts, healthzOk, isListening, makeConfiguredSandbox, runOpenclaw, spawnProcess, startGateway, useProcessCleanup, waitUntil, type Proc } from "./process-harness.js";

useProcessCleanup();

const NGINX = "/usr/sbin/nginx";
const PROXY_SOURCE = "127.0.0.2";
/**
 * Stands for the signed-in user's address as nginx would see it from the internet. Every client
 * in this test is on loopback, and a proxied loopback client cannot be attributed (see the
 * /loopback-client/ location).
 */
const USER_ADDRESS = "198.51.100.7";
const PASSWORD = "local-callers-only";

const scratch = mkdtempSync(join(tmpdir(), "ocgw-proxy-e2e-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** One nginx location: proxy to the gateway from 127.0.0.2 with these request headers. */
function location(path: string, gatewayPort: number, headers: Record<string, string>): string {
  const set = Object.entries({ Upgrade: "$http_upgrade", Connection: '"upgrade"', ...headers })
    .map(([name, value]) => `      proxy_set_header ${name} ${value};`)
    .join("\n");
  return `    location ${path} {
      proxy_pass http://127.0.0.1:${gatewayPort}/;
      proxy_bind ${PROXY_SOURCE};
      proxy_http_version 1.1;
${set}
    }`;
}

function nginxConfig(listenPort: number, gatewayPort: number): string {
  const signedIn = { "X-Forwarded-For": USER_ADDRESS, "X-Forwarded-Proto": "http" };
  return `daemon off;
master_process off;
pid ${scratch}/nginx.pid;
error_log ${scratch}/error.log;
events {}
http {
  access_log off;
  client_body_temp_path ${scratch}/body;
  proxy_temp_path ${scratch}/proxy;
  fastcgi_temp_path ${scratch}/fastcgi;
  uwsgi_temp_path ${scratch}/uwsgi;
  scgi_temp_path ${scratch}/scgi;
  server {
    listen 127.0.0.1:${listenPort};
${location("/", gatewayPort, { ...signedIn, "X-Forwarded-User": "alice" })}
${location("/as-bob/", gatewayPort, { ...signedIn, "X-Forwarded-User": "bob" })}
${location("/no-proto/", gatewayPort, { ...signedIn, "X-Forwarded-User": "alice", "X-Forwarded-Proto": '""' })}
${location("/loopback-client/", gatewayPort, { ...signedIn, "X-Forwarded-User": "alice", "X-Forwarded-For": "$remote_addr" })}
  }
}
`;
}

function startNginx(listenPort: number, gatewayPort: number): Proc {
  const conf = join(scratch, "nginx.conf");
  writeFileSync(conf, nginxConfig(listenPort, gatewayPort));
  const args = ["-c", conf, "-p", scratch, "-e", join(scratch, "error.log")];
  execFileSync(NGINX, ["-t", ...args], { stdio: "pipe" });
  return spawnProcess(NGINX, args, { env: { PATH: process.env.PATH ?? "/usr/bin:/bin" } });
}

type Answer = { status: number; body: any };

function httpGet(port: number, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, headers, agent: false, timeout: 3000 }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => {
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {}
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on("error", reject);
    req.end();
  });
}

/** The connect response to a bare connect (optionally with a password) sent with these upgrade headers. */
function connectFrame(url: string, headers: Record<string, string> = {}, auth?: Record<string, string>): Promise<any> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, perMessageDeflate: false });
    const timer = setTimeout(() => finish(new Error(`no connect response from ${url}`)), 5000);
    const finish = (err: Error | null, frame?: unknown) => {
      clearTimeout(timer);
      ws.terminate();
      if (err) reject(err);
      else resolve(frame);
    };
    ws.on("error", (err) => finish(err));
    ws.on("message", (data) => {
      const frame = JSON.parse(String(data));
      if (frame.event === "connect.challenge") {
        const client = { id: "cli", version: "2026.9.6", platform: "linux", mode: "test", instanceId: randomUUID() };
        ws.send(JSON.stringify({ type: "req", id: "c1", method: "connect", params: { minProtocol: 4, maxProtocol: 4, client, role: "operator", scopes: ["operator.read"], ...(auth ? { auth } : {}) } }));
      } else if (frame.type === "res" && frame.id === "c1") finish(null, frame);
    });
  });
}

const PROXY_CONFIG = {
  trustedProxies: [PROXY_SOURCE],
  http: { endpoints: { chatCompletions: { enabled: true } } },
  auth: {
    mode: "trusted-proxy",
    password: PASSWORD,
    identityScopes: { alice: ["operator.read", "operator.write"] },
    trustedProxy: { userHeader: "x-forwarded-user", requiredHeaders: ["x-forwarded-proto"], allowUsers: ["alice"], allowLoopback: true },
  },
};

let gatewayPort = 0;
let proxyPort = 0;
let gatewayEnv: NodeJS.ProcessEnv = {};
const viaProxy = (path = "/") => `ws://127.0.0.1:${proxyPort}${path}`;

before(async () => {
  [gatewayPort, proxyPort] = await getFreePorts(2);
  const { sb } = await makeConfiguredSandbox({ port: gatewayPort, config: (port, _token, logFile) => ({ gateway: { mode: "local", port, ...PROXY_CONFIG }, logging: { file: logFile } }) });
  gatewayEnv = sb.env;
  await startGateway(sb.env, [], gatewayPort);
  const nginx = startNginx(proxyPort, gatewayPort);
  await waitUntil(() => isListening(proxyPort) || nginx.exitInfo(), 5000, "nginx to listen");
  assert.equal(nginx.exitInfo(), null, `nginx exited:\n${dump(nginx)}`);
});

test("HTTP through nginx is admitted as the proxy's user; the same headers sent directly are refused", async () => {
  const proxied = await httpGet(proxyPort, "/v1/models");
  assert.equal(proxied.status, 200, JSON.stringify(proxied.body));
  assert.equal(proxied.body.object, "list");

  const forged = await httpGet(gatewayPort, "/v1/models", { "X-Forwarded-For": USER_ADDRESS, "X-Forwarded-User": "alice", "X-Forwarded-Proto": "http" });
  assert.equal(forged.status, 403);
  assert.equal(forged.body.error.type, "proxy_attribution_required");
  const direct = await httpGet(gatewayPort, "/v1/models");
  assert.deepEqual([direct.status, direct.body.error.code], [401, "trusted_proxy_untrusted_source"]);
  assert.ok(await healthzOk(gatewayPort), "probes stay open");
});

test("HTTP through nginx: users outside allowUsers, missing required headers and loopback clients are refused", async () => {
  const bob = await httpGet(proxyPort, "/as-bob/v1/models");
  assert.deepEqual([bob.status, bob.body.error.code], [401, "trusted_proxy_user_not_allowed"]);
  const noProto = await httpGet(proxyPort, "/no-proto/v1/models");
  assert.deepEqual([noProto.status, noProto.body.error.code], [401, "trusted_proxy_missing_header_x-forwarded-proto"]);
  const loopbackClient = await httpGet(proxyPort, "/loopback-client/v1/models");
  assert.deepEqual([loopbackClient.status, loopbackClient.body.error.type], [403, "proxy_attribution_required"]);
  // The client cannot smuggle its own identity past nginx: proxy_set_header overwrites it.
  const smuggled = await httpGet(proxyPort, "/as-bob/v1/models", { "X-Forwarded-User": "alice" });
  assert.equal(smuggled.body.error.code, "trusted_proxy_user_not_allowed");
});

test("WebSocket through nginx without any token: hello-ok as alice, scopes from identityScopes, presence names her", async () => {
  const client = await GatewayClient.connect({ url: viaProxy(), clientMode: "test", displayName: "proxied-ui", scopes: ["operator.admin", "operator.read", "operator.write"] });
  try {
    assert.equal(client.hello.auth.method, "trusted-proxy");
    assert.deepEqual([...client.hello.auth.scopes].sort(), ["operator.read", "operator.write"], "operator.admin is not in alice's identityScopes");
    const presence = (await client.request("system-presence")) as Array<{ host?: string; ip?: string; text?: string }>;
    const mine = presence.find((entry) => entry.host === "proxied-ui");
    assert.ok(mine, JSON.stringify(presence));
    assert.match(mine.text ?? "", /user alice/);
    assert.equal(mine.ip, USER_ADDRESS, "the forwarded client address, not the proxy's");
  } finally {
    await client.close();
  }
});

test("WebSocket: forged headers sent directly, a user outside allowUsers and a missing required header are refused", async () => {
  const forged = await connectFrame(`ws://127.0.0.1:${gatewayPort}/`, { "X-Forwarded-For": USER_ADDRESS, "X-Forwarded-User": "alice", "X-Forwarded-Proto": "http" });
  assert.equal(forged.ok, false);
  assert.equal(forged.error.details.authReason, "proxy_attribution_required");
  assert.match(forged.error.message, /^unauthorized: proxy client attribution is required/);

  const bob = await connectFrame(viaProxy("/as-bob/"));
  assert.deepEqual([bob.error.details.code, bob.error.details.authReason], ["AUTH_UNAUTHORIZED", "trusted_proxy_user_not_allowed"]);
  const noProto = await connectFrame(viaProxy("/no-proto/"));
  assert.deepEqual([noProto.error.details.code, noProto.error.details.authReason], ["AUTH_IDENTITY_HEADER_REQUIRED", "trusted_proxy_missing_header_x-forwarded-proto"]);
  assert.equal(noProto.error.details.recommendedNextStep, "review_auth_configuration");
});

test("WebSocket: a same-host client that bypasses the proxy may use the password, never as a token", async () => {
  const client = await GatewayClient.connect({ url: `ws://127.0.0.1:${gatewayPort}/`, password: PASSWORD, scopes: ["operator.read"] });
  assert.equal(client.hello.auth.method, "password");
  await client.close();
  const asToken = await connectFrame(`ws://127.0.0.1:${gatewayPort}/`, {}, { token: PASSWORD });
  assert.equal(asToken.error.details.authReason, "trusted_proxy_untrusted_source");
  const throughForwarding = await connectFrame(`ws://127.0.0.1:${gatewayPort}/`, { "X-Forwarded-For": USER_ADDRESS }, { password: PASSWORD });
  assert.equal(throughForwarding.error.details.authReason, "proxy_attribution_required", "forwarding headers disqualify a local caller");
  const health = await runOpenclaw(["health", "--json"], gatewayEnv);
  assert.equal(health.code, 0, `the local CLI reaches the gateway with gateway.auth.password\n${dump(health)}`);
});

test("start-up with trusted-proxy auth but no gateway.trustedProxies exits 78 and says what to set", async () => {
  const [port] = await getFreePorts(1);
  const { trustedProxies: _, ...withoutProxies } = PROXY_CONFIG;
  const { sb } = await makeConfiguredSandbox({ port, config: (p, _token, logFile) => ({ gateway: { mode: "local", port: p, ...withoutProxies }, logging: { file: logFile } }) });
  const run = await runOpenclaw(["gateway"], sb.env);
  assert.equal(run.code, 78, dump(run));
  assert.match(run.stdout + run.stderr, /gateway\.trustedProxies is empty/);
});
