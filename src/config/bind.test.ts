import { test } from "node:test";
import assert from "node:assert/strict";
import { requiredLoopbackHost, tailnetAddress } from "./bind.js";

test("a tailnet IP or a custom host also needs 127.0.0.1; loopback and the wildcard do not", () => {
  assert.equal(requiredLoopbackHost("100.101.102.103"), "127.0.0.1");
  assert.equal(requiredLoopbackHost("192.168.1.20"), "127.0.0.1");
  assert.equal(requiredLoopbackHost("127.0.0.2"), "127.0.0.1");
  assert.equal(requiredLoopbackHost("127.0.0.1"), null);
  assert.equal(requiredLoopbackHost("0.0.0.0"), null);
});

test("the tailnet address is the first IPv4 in 100.64.0.0/10", () => {
  const nic = (address: string, family = "IPv4") => ({ address, family, netmask: "", mac: "", internal: false, cidr: null }) as never;
  assert.equal(tailnetAddress({ lo: [nic("127.0.0.1")], eth0: [nic("192.168.1.5")], tailscale0: [nic("fd7a:115c::1", "IPv6"), nic("100.101.102.103")] }), "100.101.102.103");
  assert.equal(tailnetAddress({ eth0: [nic("100.128.0.1"), nic("100.63.255.255")] }), undefined);
  assert.equal(tailnetAddress({}), undefined);
});
