import { test } from "node:test";
import assert from "node:assert/strict";
import { attributeIngress, isLocalDirect, MAX_FORWARDED_HEADER_CHARS, type RequestView } from "./ingress.js";

/** A request as Node would parse it: headers lower-cased, repeats joined, the raw list kept. */
function view(remoteAddress: string, raw: Array<[string, string]> = []): RequestView {
  const headers: Record<string, string> = {};
  for (const [name, value] of raw) {
    const key = name.toLowerCase();
    headers[key] = key in headers ? `${headers[key]}, ${value}` : value;
  }
  return { remoteAddress, headers, rawHeaders: raw.flat() };
}

const PROXIES = ["10.0.0.5", "10.1.0.0/16"];
const clientOf = (v: RequestView, allowRealIpFallback = false) => {
  const ingress = attributeIngress(v, PROXIES, allowRealIpFallback);
  return ingress.kind === "trusted-proxy" ? ingress.clientIp : ingress.kind;
};

test("without forwarding headers the socket peer is the client", () => {
  assert.deepEqual(attributeIngress(view("127.0.0.1"), PROXIES).kind, "direct-local");
  assert.deepEqual(attributeIngress(view("::ffff:127.0.0.1"), PROXIES).kind, "direct-local");
  const remote = attributeIngress(view("203.0.113.9"), PROXIES);
  assert.equal(remote.kind, "direct-remote");
  assert.equal(remote.kind === "direct-remote" && remote.clientIp, "203.0.113.9");
});

test("X-Forwarded-For is walked from the right: trusted and loopback hops are skipped, the first other hop is the client", () => {
  assert.equal(clientOf(view("10.0.0.5", [["X-Forwarded-For", "198.51.100.7"]])), "198.51.100.7");
  assert.equal(clientOf(view("10.0.0.5", [["X-Forwarded-For", "198.51.100.7, 10.1.4.4"]])), "198.51.100.7", "a second trusted proxy in the chain");
  assert.equal(clientOf(view("10.0.0.5", [["X-Forwarded-For", "198.51.100.7, 127.0.0.1"]])), "198.51.100.7", "a same-host hop");
  assert.equal(clientOf(view("::ffff:10.0.0.5", [["X-Forwarded-For", "2001:db8::7"]])), "2001:db8::7", "mapped proxy peer, IPv6 client");
  assert.equal(clientOf(view("10.0.0.5", [["X-Forwarded-For", "[2001:db8::7]:4711"]])), "2001:db8::7", "bracketed IPv6 with a port");
  assert.equal(clientOf(view("10.0.0.5", [["X-Forwarded-For", "198.51.100.7:4711"]])), "198.51.100.7", "IPv4 with a port");
});

test("spoofed entries left of the client are never read", () => {
  // The client sent "X-Forwarded-For: 10.0.0.5, 192.0.2.1" itself; the proxy appended the real address.
  assert.equal(clientOf(view("10.0.0.5", [["X-Forwarded-For", "10.0.0.5, 192.0.2.1, 198.51.100.7"]])), "198.51.100.7");
  assert.equal(clientOf(view("10.0.0.5", [["X-Forwarded-For", "garbage, 198.51.100.7"]])), "198.51.100.7");
});

test("garbage, repeated or oversized forwarding headers make the request unattributable", () => {
  assert.equal(clientOf(view("10.0.0.5", [["X-Forwarded-For", "198.51.100.7, not-an-ip"]])), "unattributable", "a malformed hop is refused, not trusted");
  assert.equal(clientOf(view("10.0.0.5", [["X-Forwarded-For", "198.51.100.7, "]])), "unattributable", "an empty hop");
  assert.equal(clientOf(view("10.0.0.5", [["X-Forwarded-For", "unknown"]])), "unattributable");
  assert.equal(clientOf(view("10.0.0.5", [["X-Forwarded-For", "198.51.100.7"], ["X-Forwarded-For", "198.51.100.8"]])), "unattributable", "repeated header");
  const long = Array.from({ length: 200 }, () => "198.51.100.7").join(", ");
  assert.ok(long.length > MAX_FORWARDED_HEADER_CHARS);
  assert.equal(clientOf(view("10.0.0.5", [["X-Forwarded-For", long]])), "unattributable", "oversized header");
});

test("a trusted proxy must name a non-loopback client", () => {
  assert.equal(clientOf(view("10.0.0.5", [["X-Forwarded-For", "127.0.0.1"]])), "unattributable");
  assert.equal(clientOf(view("10.0.0.5", [["X-Forwarded-For", "10.1.2.3, 10.0.0.5"]])), "unattributable", "only trusted hops");
  assert.equal(clientOf(view("10.0.0.5", [["X-Forwarded-User", "alice"]])), "unattributable", "no client address at all");
  assert.equal(clientOf(view("10.0.0.5")), "unattributable", "no headers at all from a proxy");
});

test("X-Real-IP counts only with allowRealIpFallback and only without X-Forwarded-For", () => {
  const realIp = view("10.0.0.5", [["X-Real-IP", "198.51.100.9"]]);
  assert.equal(clientOf(realIp), "unattributable");
  assert.equal(clientOf(realIp, true), "198.51.100.9");
  assert.equal(clientOf(view("10.0.0.5", [["X-Forwarded-For", "198.51.100.7"], ["X-Real-IP", "198.51.100.9"]]), true), "198.51.100.7");
  assert.equal(clientOf(view("10.0.0.5", [["X-Real-IP", "198.51.100.9"], ["X-Real-IP", "198.51.100.10"]]), true), "unattributable", "repeated");
  assert.equal(clientOf(view("10.0.0.5", [["X-Real-IP", "junk"]]), true), "unattributable");
});

test("forwarding headers from a peer not in trustedProxies are not believed", () => {
  for (const name of ["X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-User", "Forwarded", "X-Real-IP"]) {
    assert.equal(attributeIngress(view("127.0.0.1", [[name, "198.51.100.7"]]), PROXIES).kind, "unattributable", `loopback + ${name}`);
    assert.equal(attributeIngress(view("203.0.113.9", [[name, "198.51.100.7"]]), PROXIES).kind, "unattributable", `remote + ${name}`);
  }
  assert.equal(attributeIngress(view("not-an-address"), PROXIES).kind, "unattributable");
});

test("local-direct needs a loopback peer, a loopback Host and no forwarding headers", () => {
  assert.equal(isLocalDirect(view("127.0.0.1", [["Host", "127.0.0.1:18789"]])), true);
  assert.equal(isLocalDirect(view("::1", [["Host", "[::1]:18789"]])), true);
  assert.equal(isLocalDirect(view("::ffff:127.0.0.1", [["Host", "localhost:18789"]])), true);
  assert.equal(isLocalDirect(view("127.0.0.1", [["Host", "gateway.example.com"]])), false, "DNS-rebound Host");
  assert.equal(isLocalDirect(view("127.0.0.1", [["Host", "127.0.0.1:18789"], ["X-Forwarded-For", "198.51.100.7"]])), false);
  assert.equal(isLocalDirect(view("10.0.0.5", [["Host", "127.0.0.1:18789"]])), false);
});
