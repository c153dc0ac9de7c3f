import { test } from "node:test";
import assert from "node:assert/strict";
import type { GatewayConfig } from "../config/schema.js";
import type { IncomingMessage } from "node:http";
import type { RequestView } from "./ingress.js";
import { evaluateTrustedProxy, type TrustedProxyOptions } from "./trusted-proxy.js";
import { markManagedIngress } from "./tailscale-provenance.js";

const PROXY = "10.0.0.5";
const CLIENT = "198.51.100.7";

function view(remoteAddress: string, headers: Record<string, string> = {}, extraRaw: string[] = []): RequestView {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { remoteAddress, headers: lower, rawHeaders: [...Object.entries(headers).flat(), ...extraRaw] };
}

/** What the proxy sends for a signed-in alice. */
const PROXIED = { "X-Forwarded-For": CLIENT, "X-Forwarded-User": "alice", "X-Forwarded-Proto": "https" };

function config(trustedProxy: Record<string, unknown> | undefined, gateway: Record<string, unknown> = {}): GatewayConfig {
  return { gateway: { trustedProxies: [PROXY, "127.0.0.2"], auth: { mode: "trusted-proxy", ...(trustedProxy ? { trustedProxy } : {}) }, ...gateway } } as GatewayConfig;
}

const BASE = { userHeader: "x-forwarded-user", requiredHeaders: ["x-forwarded-proto"], allowUsers: ["alice", "bob@example.com"] };
const NO_INTERFACES: TrustedProxyOptions = { localAddresses: () => ["127.0.0.1", "::1", "192.168.7.7"] };

function reason(v: RequestView, c: GatewayConfig, opts: TrustedProxyOptions = NO_INTERFACES) {
  const verdict = evaluateTrustedProxy(v, c, opts);
  return verdict.ok ? `ok:${verdict.user}@${verdict.clientIp}` : `${verdict.reason}/${verdict.status}`;
}

test("a trusted proxy's user is admitted, with the client address from X-Forwarded-For", () => {
  assert.equal(reason(view(PROXY, PROXIED), config(BASE)), `ok:alice@${CLIENT}`);
  assert.equal(reason(view(`::ffff:${PROXY}`, PROXIED), config(BASE)), `ok:alice@${CLIENT}`, "IPv4-mapped peer");
  assert.equal(reason(view(PROXY, { ...PROXIED, "X-Forwarded-User": "  alice  " }), config(BASE)), `ok:alice@${CLIENT}`, "trimmed");
  assert.equal(reason(view("10.9.8.7", PROXIED), config(BASE, { trustedProxies: ["10.9.0.0/16"] })), `ok:alice@${CLIENT}`, "CIDR entry");
  assert.equal(reason(view("2001:db8::5", PROXIED), config(BASE, { trustedProxies: ["2001:db8::/64"] })), `ok:alice@${CLIENT}`, "IPv6 proxy");
});

test("missing configuration fails closed", () => {
  assert.equal(reason(view(PROXY, PROXIED), config(undefined)), "trusted_proxy_config_missing/401");
  assert.equal(reason(view(PROXY, PROXIED), config({ allowUsers: ["alice"] })), "trusted_proxy_config_missing/401", "no user header");
  assert.equal(reason(view(PROXY, PROXIED), config(BASE, { trustedProxies: [] })), "trusted_proxy_no_proxies_configured/401");
});

test("proxy-shaped traffic that cannot be attributed is refused with 403 before identity is read", () => {
  assert.equal(reason(view("203.0.113.9", PROXIED), config(BASE)), "proxy_attribution_required/403", "forwarding headers from an untrusted peer");
  assert.equal(reason(view("127.0.0.1", PROXIED), config(BASE)), "proxy_attribution_required/403", "a same-host caller forging the proxy's headers");
  assert.equal(reason(view(PROXY, { ...PROXIED, "X-Forwarded-For": "127.0.0.1" }), config(BASE)), "proxy_attribution_required/403", "loopback client");
  assert.equal(reason(view(PROXY, { ...PROXIED, "X-Forwarded-For": "nonsense" }), config(BASE)), "proxy_attribution_required/403", "garbage chain");
  assert.equal(reason(view(PROXY, PROXIED, ["X-Forwarded-For", "192.0.2.1"]), config(BASE)), "proxy_attribution_required/403", "repeated X-Forwarded-For");
  const { "X-Forwarded-For": _, ...noClient } = PROXIED;
  assert.equal(reason(view(PROXY, noClient), config(BASE)), "proxy_attribution_required/403", "the proxy did not say for whom");
});

test("source checks: untrusted, loopback, the gateway host's own addresses", () => {
  const customHeader = { ...BASE, userHeader: "x-auth-user", requiredHeaders: [] };
  assert.equal(reason(view("203.0.113.9", { "X-Auth-User": "alice" }), config(customHeader)), "trusted_proxy_untrusted_source/401");
  const loopbackProxy = config(BASE, { trustedProxies: ["127.0.0.2"] });
  assert.equal(reason(view("127.0.0.2", PROXIED), loopbackProxy), "trusted_proxy_loopback_source/401");
  assert.equal(reason(view("127.0.0.2", {}), loopbackProxy), "trusted_proxy_loopback_source/401", "checked before the headers");
  assert.equal(reason(view("127.0.0.2", PROXIED), config({ ...BASE, allowLoopback: true }, { trustedProxies: ["127.0.0.2"] })), `ok:alice@${CLIENT}`);
  assert.equal(reason(view("::1", PROXIED), config({ ...BASE, allowLoopback: true }, { trustedProxies: ["::1"] })), `ok:alice@${CLIENT}`, "IPv6 loopback");
  const lanProxy = config(BASE, { trustedProxies: ["192.168.7.0/24"] });
  assert.equal(reason(view("192.168.7.7", PROXIED), lanProxy), "trusted_proxy_local_interface_source/401");
  assert.equal(reason(view("::ffff:192.168.7.7", PROXIED), lanProxy), "trusted_proxy_local_interface_source/401", "mapped spelling of a local address");
  assert.equal(reason(view("192.168.7.8", PROXIED), lanProxy), `ok:alice@${CLIENT}`);
  const broken = { localAddresses: () => { throw new Error("EPERM"); } };
  assert.equal(reason(view("192.168.7.8", PROXIED), lanProxy, broken), "trusted_proxy_local_interface_check_failed/401");
});

test("the local-interface check reads this host's real interfaces by default", () => {
  // Loopback is an interface address too; with allowLoopback it is not refused as "local interface".
  assert.equal(reason(view("127.0.0.2", PROXIED), config({ ...BASE, allowLoopback: true }), {}), `ok:alice@${CLIENT}`);
});

test("required headers, then the user header, then allowUsers", () => {
  const { "X-Forwarded-Proto": _, ...noProto } = PROXIED;
  assert.equal(reason(view(PROXY, noProto), config(BASE)), "trusted_proxy_missing_header_x-forwarded-proto/401");
  assert.equal(reason(view(PROXY, { ...PROXIED, "X-Forwarded-Proto": "  " }), config(BASE)), "trusted_proxy_missing_header_x-forwarded-proto/401", "blank");
  const { "X-Forwarded-User": __, ...noUser } = PROXIED;
  assert.equal(reason(view(PROXY, noUser), config(BASE)), "trusted_proxy_user_missing/401");
  assert.equal(reason(view(PROXY, { ...PROXIED, "X-Forwarded-User": "" }), config(BASE)), "trusted_proxy_user_missing/401");
  assert.equal(reason(view(PROXY, PROXIED, ["X-Forwarded-User", "mallory"]), config(BASE)), "trusted_proxy_user_missing/401", "a repeated user header is no single identity");
  assert.equal(reason(view(PROXY, { ...PROXIED, "X-Forwarded-User": "mallory" }), config(BASE)), "trusted_proxy_user_not_allowed/401");
  assert.equal(reason(view(PROXY, { ...PROXIED, "X-Forwarded-User": "Bob@example.com" }), config(BASE)), "trusted_proxy_user_not_allowed/401", "allowUsers compares exactly");
  assert.equal(reason(view(PROXY, { ...PROXIED, "X-Forwarded-User": "mallory" }), config({ ...BASE, allowUsers: [] })), `ok:mallory@${CLIENT}`, "empty allowUsers admits every user");
});

test("with checkOrigin, a browser Origin must pass the Control UI origin policy", () => {
  const withOrigin = (origin: string, host = "gw.example.com") => view(PROXY, { ...PROXIED, Origin: origin, Host: host });
  const opts = { ...NO_INTERFACES, checkOrigin: true };
  assert.equal(reason(withOrigin("https://evil.example"), config(BASE), opts), "trusted_proxy_origin_not_allowed/401");
  assert.equal(reason(withOrigin("https://evil.example"), config(BASE), NO_INTERFACES), `ok:alice@${CLIENT}`, "not checked on WebSocket (the handshake does)");
  assert.equal(reason(withOrigin("https://ui.example"), config(BASE, { controlUi: { allowedOrigins: ["https://ui.example"] } }), opts), `ok:alice@${CLIENT}`);
  assert.equal(reason(withOrigin("https://gw.example.com"), config(BASE), opts), "trusted_proxy_origin_not_allowed/401", "a public same host needs the list");
  assert.equal(reason(withOrigin("https://gw.example.com"), config(BASE, { controlUi: { dangerouslyAllowHostHeaderOriginFallback: true } }), opts), `ok:alice@${CLIENT}`);
  assert.equal(reason(withOrigin("http://192.168.1.20:8080", "192.168.1.20:8080"), config(BASE), opts), `ok:alice@${CLIENT}`, "same private host");
  assert.equal(reason(withOrigin("http://127.0.0.1:8080", "127.0.0.1:8080"), config(BASE), opts), "trusted_proxy_origin_not_allowed/401", "loopback is not same-origin for a remote client");
  assert.equal(reason(withOrigin("null"), config(BASE, { controlUi: { allowedOrigins: ["null"] } }), opts), "trusted_proxy_origin_not_allowed/401");
  assert.equal(reason(withOrigin("https://any.example"), config(BASE, { controlUi: { allowedOrigins: ["*"] } }), opts), `ok:alice@${CLIENT}`);
});

test("the managed Tailscale listener never carries a proxy's user header, even with loopback trusted", () => {
  const sameHostProxy = config({ ...BASE, allowLoopback: true }, { trustedProxies: ["127.0.0.1"] });
  const forged = view("127.0.0.1", { ...PROXIED, "X-Forwarded-For": "100.64.0.9" });
  assert.equal(reason(forged, sameHostProxy), "ok:alice@100.64.0.9", "on the ordinary port a listed same-host proxy is believed");
  assert.ok(markManagedIngress({ headers: forged.headers } as IncomingMessage, "serve"));
  assert.equal(reason(forged, sameHostProxy), "proxy_attribution_required/403", "tailscaled passes a client's invented header through");
});
