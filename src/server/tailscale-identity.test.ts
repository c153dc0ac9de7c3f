import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { request, type IncomingHttpHeaders } from "node:http";
import type { GatewayConfig } from "../config/schema.js";
import type { TailscaleClaim } from "../infra/tailscale/tailscale-claim.js";
import type { ResolvedAuth } from "./auth.js";
import { verifiedTailscaleLogin } from "./tailscale-identity.js";
import { startTailscaleIngress, type TailscaleIngress } from "./tailscale-ingress.js";
import { managedIngressMode } from "./tailscale-provenance.js";

const fakeClaim: TailscaleClaim = { url: "https://gw.example.ts.net/", exited: new Promise(() => {}), stop: async () => {} };
const TAILSCALE_HEADERS = {
  "tailscale-user-login": "Alice@Example.com",
  "x-forwarded-for": "100.64.0.1",
  "x-forwarded-proto": "https",
  "x-forwarded-host": "gw.example.ts.net",
};
const TOKEN_AUTH: ResolvedAuth = { mode: "token", token: "t" };
const SERVE_CONFIG: GatewayConfig = { gateway: { tailscale: { mode: "serve" } } };

let lastHeaders: IncomingHttpHeaders = {};
const ingresses: TailscaleIngress[] = [];

async function ingress(mode: "serve" | "funnel"): Promise<TailscaleIngress> {
  const started = await startTailscaleIngress({
    mode,
    gatewayPort: 1,
    onRequest: (req, res) => {
      lastHeaders = req.headers;
      res.end("ok");
    },
    onUpgrade: (_req, socket) => socket.destroy(),
    claim: async () => fakeClaim,
  });
  ingresses.push(started);
  return started;
}

/** The headers object the gateway's handlers see for a request sent to `port`. */
function headersSeenVia(port: number, headers: Record<string, string>): Promise<IncomingHttpHeaders> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/", headers }, (res) => {
      res.resume();
      res.on("end", () => resolve(lastHeaders));
    });
    req.on("error", reject);
    req.end();
  });
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

test("the managed listener marks its requests with the route's mode; header values cannot", async () => {
  assert.equal(managedIngressMode(await headersSeenVia(serve.port, TAILSCALE_HEADERS)), "serve");
  assert.equal(managedIngressMode(await headersSeenVia(funnel.port, TAILSCALE_HEADERS)), "funnel");
  assert.equal(managedIngressMode({ ...TAILSCALE_HEADERS }), undefined);
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

test("every Tailscale proxy header is required, and the forwarded address must be an IP", async () => {
  const whois = whoisAnswering({ "100.64.0.1": "alice@example.com" });
  for (const missing of Object.keys(TAILSCALE_HEADERS)) {
    const rest = Object.fromEntries(Object.entries(TAILSCALE_HEADERS).filter(([k]) => k !== missing));
    assert.equal(await verifiedTailscaleLogin(await headersSeenVia(serve.port, rest), SERVE_CONFIG, TOKEN_AUTH, whois), null, missing);
  }
  const bogus = await headersSeenVia(serve.port, { ...TAILSCALE_HEADERS, "x-forwarded-for": "--help" });
  assert.equal(await verifiedTailscaleLogin(bogus, SERVE_CONFIG, TOKEN_AUTH, whois), null);
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
