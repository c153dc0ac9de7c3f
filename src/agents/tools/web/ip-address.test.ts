import assert from "node:assert/strict";
import { test } from "node:test";
import { inspectAddress, parseIPv4, parseIPv6 } from "./ip-address.js";

test("IPv4 numeric forms all read as the address they mean", () => {
  const loopback = 0x7f000001;
  for (const form of ["127.0.0.1", "2130706433", "0x7f.1", "0x7f000001", "017700000001", "127.1", "0177.0.0.1", "127.0.0.1."]) {
    assert.equal(parseIPv4(form), loopback, form);
  }
  assert.equal(parseIPv4("example.com"), null);
  assert.equal(parseIPv4("1.2.3.4.5"), null);
  assert.equal(parseIPv4("256.1.1.1"), null);
  assert.equal(parseIPv4("08.1.1.1"), null);
});

test("IPv6 parsing expands compression, dotted tails, brackets and zones", () => {
  assert.deepEqual(parseIPv6("::1"), [0, 0, 0, 0, 0, 0, 0, 1]);
  assert.deepEqual(parseIPv6("[::ffff:127.0.0.1]"), [0, 0, 0, 0, 0, 0xffff, 0x7f00, 1]);
  assert.deepEqual(parseIPv6("fe80::1%eth0"), [0xfe80, 0, 0, 0, 0, 0, 0, 1]);
  assert.deepEqual(parseIPv6("2001:db8:0:0:0:0:2:1"), [0x2001, 0xdb8, 0, 0, 0, 0, 2, 1]);
  assert.equal(parseIPv6("1.2.3.4"), null);
  assert.equal(parseIPv6("not-an-ip"), null);
});

test("every non-public range is classified", () => {
  const cases: Array<[string, string]> = [
    ["8.8.8.8", "public"],
    ["0.0.0.0", "unspecified"],
    ["0.1.2.3", "reserved"],
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["172.32.0.1", "public"],
    ["192.168.1.1", "private"],
    ["127.8.8.8", "loopback"],
    ["169.254.169.254", "link-local"],
    ["100.64.0.1", "cgnat"],
    ["100.128.0.1", "public"],
    ["198.18.0.1", "benchmark"],
    ["192.0.2.1", "documentation"],
    ["224.0.0.1", "multicast"],
    ["240.0.0.1", "reserved"],
    ["255.255.255.255", "broadcast"],
    ["::", "unspecified"],
    ["::1", "loopback"],
    ["::ffff:127.0.0.1", "ipv4-mapped"],
    ["::ffff:8.8.8.8", "ipv4-mapped"],
    ["::127.0.0.1", "reserved"],
    ["fe80::1", "link-local"],
    ["fc00::1", "ula"],
    ["fd12:3456::1", "ula"],
    ["ff02::1", "multicast"],
    ["2001:db8::1", "documentation"],
    ["64:ff9b::7f00:1", "loopback"],
    ["64:ff9b::808:808", "public"],
    ["2002:7f00:1::", "loopback"],
    ["2606:4700::1111", "public"],
    ["4000::1", "reserved"],
  ];
  for (const [address, expected] of cases) assert.equal(inspectAddress(address)?.class, expected, address);
});

test("canonical text: IPv4 dotted, IPv6 compressed, mapped addresses carry their IPv4", () => {
  assert.equal(inspectAddress("0x7f.1")?.address, "127.0.0.1");
  assert.equal(inspectAddress("0:0:0:0:0:0:0:1")?.address, "::1");
  const mapped = inspectAddress("[::ffff:7f00:1]");
  assert.equal(mapped?.address, "::ffff:7f00:1");
  assert.equal(mapped?.embedded?.address, "127.0.0.1");
  assert.equal(mapped?.embedded?.class, "loopback");
  assert.equal(inspectAddress("example.com"), null);
});
