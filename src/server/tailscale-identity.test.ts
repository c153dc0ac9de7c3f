import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { request, type IncomingHttpHeaders } from "node:http";
import type { GatewayConfig } from "../config/schema.js";
import type { TailscaleClaim } from "../infra/tailscale/tailscale-claim.js";
import type { ResolvedAuth } from "./auth.js";
import { verifiedTailscaleLogin } from "./tailscale-identity.js";
import { startTailscaleIngress, type TailscaleIngress } from "./tailscale-ingress.js";
import { managedIngress, requestClientIp } from "./tailscale-provenance.js";

const fakeClaim: TailscaleClaim = { url: "https://gw.example.ts.net/", exited: new Promise(() => {}), stop: async () => {} };
const TAILSCALE_HEADERS = {
  "tailscale-user-login": "Alice@Example.com",
  "x-forwarded-for": "100.64.0.1",
  "x-forwarded-proto": "https",
  "x-forwarded-host": "gw.example.ts.net",
};
const TOKEN_AUTH: ResolvedAuth = { mode: "token", token: "t" };
const SERVE_CONFIG: GatewayConfig = { gateway: { tailscale: { mode: "serve" } } };

let lastHeaders: IncomingHttpHeaders | null = null;
let lastClientIp = "";
const ingresses: TailscaleIngress[] = [];

async function ingress(mode: "serve" | "funnel"): Promise<TailscaleIngress> {
  const started = await startTailscaleIngress({
    mode,
    gatewayPort: 1,
    onRequest: (req, res) => {
      lastHeaders = req.headers;
      lastClientIp = requestClientIp(req);
      res.end("ok");
    },
    onUpgrade: (_req, socket) => socket.destroy(),
    claim: async () => fakeClaim,
  });
  ingresses.push(started);
  return started;
}

/** The status a request to `port` gets, and the headers object the gateway's handlers saw (null: never reached). */
function sendVia(port: number, headers: Record<string, string>): Promise<{ status: number; body: string; seen: IncomingHttpHeaders | null }> {
  lastHeaders = null;
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/", headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, seen: lastHeaders }));
    });
    req.on("error", reject);
    req.end();
  });
}

async function headersSeenVia(port: number, headers: Record<string, string>): Promise<IncomingHttpHeaders> {
  const { status, seen } = await sendVia(port, headers);
  assert.equal(status, 200);
  return seen!;
}

let serve: TailscaleIngress;
let funnel: TailscaleIngress;
before(async () => {
  serve = await ingress("serve");
  funnel = await ingress("funnel");
});
after(async () => {
  await Promise.all(ingresses.map((i) => i.stop()));
});

function whoisAnswering(answers: Record<string, string>) {
  const asked: string[] = [];
  return { asked, login: async (ip: string) => (asked.push(ip), answers[ip] ?? null) };
}

test("the managed listener marks its requests with the route's mode and client; header values cannot", async () => {
  assert.deepEqual(managedIngress(await headersSeenVia(serve.port, TAILSCALE_HEADERS)), { mode: "serve", clientIp: "100.64.0.1" });
  assert.equal(managedIngress(await headersSeenVia(funnel.port, TAILSCALE_HEADERS))?.mode, "funnel");
  assert.equal(managedIngress({ ...TAILSCALE_HEADERS }), undefined);
});

test("rate limits count a managed-listener request against the Tailscale client, not tailscaled's 127.0.0.1", async () => {
  await headersSeenVia(funnel.port, { ...TAILSCALE_HEADERS, "x-forwarded-for": "198.51.100.4, 203.0.113.8" });
  assert.equal(lastClientIp, "203.0.113.8", "the hop tailscaled appended");
});

test("a request naming no Tailscale client is refused with 403 and never reaches the gateway", async () => {
  const { "x-forwarded-for": _, ...noClient } = TAILSCALE_HEADERS;
  const cases: Record<string, Record<string, string>> = {
    "no X-Forwarded-For": noClient,
    "not an IP": { ...TAILSCALE_HEADERS, "x-forwarded-for": "--help" },
    "a loopback client": { ...TAILSCALE_HEADERS, "x-forwarded-for": "100.64.0.1, 127.0.0.1" },
  };
  for (const [name, headers] of Object.entries(cases)) {
    for (const port of [serve.port, funnel.port]) {
      const answer = await sendVia(port, headers);
      assert.equal(answer.status, 403, name);
      assert.equal(JSON.parse(answer.body).error.type, "proxy_attribution_required", name);
      assert.equal(answer.seen, null, name);
    }
  }
  const upgrade = await new Promise<number>((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: serve.port, path: "/", headers: { ...noClient, connection: "Upgrade", upgrade: "websocket" } });
    req.on("response", (res) => (res.resume(), resolve(res.statusCode ?? 0)));
    req.on("upgrade", () => reject(new Error("upgraded")));
    req.on("error", reject);
    req.end();
  });
  assert.equal(upgrade, 403, "a WebSocket upgrade is refused the same way");
});

test("a login whois confirms (case-insensitively) is accepted on the Serve listener", async () => {
  const whois = whoisAnswering({ "100.64.0.1": "alice@example.com" });
  const headers = await headersSeenVia(serve.port, TAILSCALE_HEADERS);
  assert.equal(await verifiedTailscaleLogin(headers, SERVE_CONFIG, TOKEN_AUTH, whois), "alice@example.com");
  assert.deepEqual(whois.asked, ["100.64.0.1"]);
});

test("whois naming someone else, or nobody, refuses", async () => {
  const headers = await headersSeenVia(serve.port, TAILSCALE_HEADERS);
  assert.equal(await verifiedTailscaleLogin(headers, SERVE_CONFIG, TOKEN_AUTH, whoisAnswering({ "100.64.0.1": "bob@example.com" })), null);
  assert.equal(await verifiedTailscaleLogin(headers, SERVE_CONFIG, TOKEN_AUTH, whoisAnswering({})), null);
});

test("the ordinary listener and the Funnel listener never carry identity, and whois is not asked", async () => {
  const whois = whoisAnswering({ "100.64.0.1": "alice@example.com" });
  assert.equal(await verifiedTailscaleLogin({ ...TAILSCALE_HEADERS }, SERVE_CONFIG, TOKEN_AUTH, whois), null);
  assert.equal(await verifiedTailscaleLogin(await headersSeenVia(funnel.port, TAILSCALE_HEADERS), SERVE_CONFIG, TOKEN_AUTH, whois), null);
  assert.deepEqual(whois.asked, []);
});

test("every Tailscale proxy header is required, and tailscaled's Funnel marker refuses", async () => {
  const whois = whoisAnswering({ "100.64.0.1": "alice@example.com" });
  for (const missing of ["tailscale-user-login", "x-forwarded-proto", "x-forwarded-host"]) {
    const rest = Object.fromEntries(Object.entries(TAILSCALE_HEADERS).filter(([k]) => k !== missing));
    assert.equal(await verifiedTailscaleLogin(await headersSeenVia(serve.port, rest), SERVE_CONFIG, TOKEN_AUTH, whois), null, missing);
  }
  const funnelTraffic = await headersSeenVia(serve.port, { ...TAILSCALE_HEADERS, "tailscale-funnel-request": "?1" });
  assert.equal(await verifiedTailscaleLogin(funnelTraffic, SERVE_CONFIG, TOKEN_AUTH, whois), null);
  assert.deepEqual(whois.asked, []);
});

test("the address tailscaled appended (the last hop) is the one asked about", async () => {
  const whois = whoisAnswering({ "100.64.0.1": "alice@example.com" });
  const spoofed = await headersSeenVia(serve.port, { ...TAILSCALE_HEADERS, "x-forwarded-for": "100.99.0.5, 100.64.0.1" });
  assert.equal(await verifiedTailscaleLogin(spoofed, SERVE_CONFIG, TOKEN_AUTH, whois), "alice@example.com");
  assert.deepEqual(whois.asked, ["100.64.0.1"]);
});

test("allowTailscale: off when configured false, off by default for password auth, on when set for it", async () => {
  const whois = whoisAnswering({ "100.64.0.1": "alice@example.com" });
  const headers = await headersSeenVia(serve.port, TAILSCALE_HEADERS);
  const off: GatewayConfig = { gateway: { auth: { allowTailscale: false }, tailscale: { mode: "serve" } } };
  assert.equal(await verifiedTailscaleLogin(headers, off, TOKEN_AUTH, whois), null);
  const password: ResolvedAuth = { mode: "password", password: "p" };
  assert.equal(await verifiedTailscaleLogin(headers, SERVE_CONFIG, password, whois), null);
  const on: GatewayConfig = { gateway: { auth: { allowTailscale: true }, tailscale: { mode: "serve" } } };
  assert.equal(await verifiedTailscaleLogin(headers, on, password, whois), "alice@example.com");
});
