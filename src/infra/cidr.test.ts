import { test } from "node:test";
import assert from "node:assert/strict";
import { formatIp, isLoopbackIp, parseIp, parseRange, rangeContains } from "./cidr.js";

const ip = (text: string) => {
  const parsed = parseIp(text);
  assert.ok(parsed, `${text} parses`);
  return parsed;
};
const inRange = (range: string, address: string) => rangeContains(parseRange(range)!, ip(address));

test("IPv4, IPv6 and IPv4-mapped IPv6 literals parse to one form; garbage does not", () => {
  assert.equal(formatIp(ip("10.1.2.3")), "10.1.2.3");
  assert.equal(formatIp(ip("::ffff:10.1.2.3")), "10.1.2.3", "mapped IPv6 is the IPv4 address");
  assert.equal(formatIp(ip("::FFFF:0a01:0203")), "10.1.2.3", "hex spelling of a mapped address");
  assert.equal(formatIp(ip("[2001:DB8:0:0:0:0:0:1]")), "2001:db8::1");
  assert.equal(formatIp(ip("fe80::1%eth0")), "fe80::1", "a zone is dropped");
  assert.equal(formatIp(ip("::")), "::");
  assert.equal(formatIp(ip("1:0:0:2:0:0:0:3")), "1:0:0:2::3", "the longest zero run is compressed");
  for (const bad of ["", "10.1.2", "10.1.2.256", "010.1.2.3x", "1.2.3.4.5", "example.com", "1:2:3", "::ffff:1.2.3", "unknown", " ", "1.2.3.4/8"]) {
    assert.equal(parseIp(bad), null, JSON.stringify(bad));
  }
});

test("loopback is 127.0.0.0/8 (also mapped) and ::1, nothing else", () => {
  for (const a of ["127.0.0.1", "127.255.0.9", "::ffff:127.0.0.2", "::1"]) assert.equal(isLoopbackIp(ip(a)), true, a);
  for (const a of ["128.0.0.1", "10.0.0.1", "::", "::2", "::ffff:10.0.0.1", "fe80::1"]) assert.equal(isLoopbackIp(ip(a)), false, a);
});

test("CIDR ranges: IPv4, IPv6, mapped prefixes and single addresses", () => {
  assert.equal(inRange("10.0.0.0/8", "10.200.3.4"), true);
  assert.equal(inRange("10.0.0.0/8", "11.0.0.1"), false);
  assert.equal(inRange("10.0.0.0/8", "::ffff:10.9.9.9"), true, "a peer seen as mapped IPv6 matches a plain IPv4 range");
  assert.equal(inRange("::ffff:10.0.0.0/104", "10.1.2.3"), true, "a mapped range matches a plain IPv4 peer");
  assert.equal(inRange("::ffff:0:0/96", "127.0.0.1"), true, "::ffff:0:0/96 is all of IPv4");
  assert.equal(inRange("::ffff:0:0/96", "2001:db8::1"), false, "native IPv6 never matches a mapped range");
  assert.equal(inRange("172.16.0.0/12", "172.31.255.255"), true);
  assert.equal(inRange("172.16.0.0/12", "172.32.0.0"), false, "prefix not on a byte boundary");
  assert.equal(inRange("2001:db8::/32", "2001:db8:ffff::1"), true);
  assert.equal(inRange("2001:db8::/32", "2001:db9::1"), false);
  assert.equal(inRange("192.168.1.10", "192.168.1.10"), true, "a bare address is a /32");
  assert.equal(inRange("192.168.1.10", "192.168.1.11"), false);
  assert.equal(inRange("0.0.0.0/0", "8.8.8.8"), true);
  assert.equal(inRange("0.0.0.0/0", "::1"), false, "all of IPv4 is not IPv6");
  for (const bad of ["10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/x", "10.0.0.0/-1", "10.0.0/8", "proxy.internal", "", "10.0.0.0/8/8"]) {
    assert.equal(parseRange(bad), null, JSON.stringify(bad));
  }
});
