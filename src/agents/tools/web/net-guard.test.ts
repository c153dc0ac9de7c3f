import assert from "node:assert/strict";
import { test } from "node:test";
import { ToolError } from "../types.js";
import { parseFetchUrl, pinnedLookup, STRICT_NET_POLICY, vetTarget, type HostResolver, type NetPolicy } from "./net-guard.js";

const answers =
  (table: Record<string, string[]>): HostResolver =>
  async (host) => {
    const list = table[host];
    if (!list) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
    return list.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
  };

const noDns: HostResolver = async () => assert.fail("must not resolve");

async function refused(raw: string, policy: NetPolicy = STRICT_NET_POLICY, resolve: HostResolver = noDns): Promise<ToolError> {
  const err = await vetTarget(new URL(raw), policy, resolve).then(
    () => assert.fail(`${raw} should be refused`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ToolError, String(err));
  assert.equal(err.kind, "blocked", err.message);
  return err;
}

test("private, loopback and special IP literals are refused in every spelling", async () => {
  for (const raw of [
    "http://127.0.0.1/",
    "http://2130706433/",
    "http://0x7f.1/",
    "http://0177.0.0.1/",
    "http://127.1:8080/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:8.8.8.8]/",
    "http://[0:0:0:0:0:0:0:1]/",
    "http://0.0.0.0/",
    "http://[::]/",
    "http://10.0.0.1/",
    "http://172.16.5.4/",
    "http://192.168.0.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://100.64.0.1/",
    "http://224.0.0.1/",
    "http://[fe80::1]/",
    "http://[fd00::1]/",
    "http://[ff02::1]/",
    "http://198.18.0.1/",
  ]) {
    await refused(raw);
  }
});

test("localhost and other local names are refused before any lookup", async () => {
  for (const raw of ["http://localhost/", "http://LOCALHOST./", "http://app.localhost/", "http://printer.local/", "http://metadata.google.internal/"]) {
    await refused(raw);
  }
});

test("a name is refused when any of its addresses is private", async () => {
  const resolve = answers({ "rebind.test": ["127.0.0.1"], "mixed.test": ["93.184.216.34", "10.0.0.7"], "v6.test": ["::1"] });
  const err = await refused("http://rebind.test/", STRICT_NET_POLICY, resolve);
  assert.match(err.message, /rebind\.test resolves to 127\.0\.0\.1 is a loopback address/);
  await refused("http://mixed.test/", STRICT_NET_POLICY, resolve);
  await refused("http://v6.test/", STRICT_NET_POLICY, resolve);
});

test("a public name passes and pins its first address", async () => {
  const target = await vetTarget(new URL("https://Example.test./x"), STRICT_NET_POLICY, answers({ "example.test": ["93.184.216.34", "2606:2800::1"] }));
  assert.deepEqual(target, { hostname: "example.test", address: "93.184.216.34", family: 4 });
});

test("an unresolvable name fails (not blocked)", async () => {
  const err = await vetTarget(new URL("http://nowhere.test/"), STRICT_NET_POLICY, answers({})).catch((e: ToolError) => e);
  assert.ok(err instanceof ToolError);
  assert.equal(err.kind, "failed");
  assert.match(err.message, /ENOTFOUND/);
});

test("dangerouslyAllowPrivateNetwork lifts private targets but not multicast, unspecified or the blocklist", async () => {
  const open: NetPolicy = { ...STRICT_NET_POLICY, dangerouslyAllowPrivateNetwork: true, blockedHostnames: ["*.ads.test", "tracker.test"] };
  assert.equal((await vetTarget(new URL("http://127.0.0.1:9/"), open, noDns)).address, "127.0.0.1");
  assert.equal((await vetTarget(new URL("http://[::ffff:127.0.0.1]/"), open, noDns)).address, "::ffff:7f00:1");
  assert.equal((await vetTarget(new URL("http://localhost/"), open, answers({ localhost: ["127.0.0.1"] }))).address, "127.0.0.1");
  await refused("http://224.0.0.1/", open);
  await refused("http://0.0.0.0/", open);
  await refused("http://x.ads.test/", open);
  await refused("http://TRACKER.test./", open);
  assert.equal((await vetTarget(new URL("http://ads.test/"), open, answers({ "ads.test": ["10.0.0.1"] }))).address, "10.0.0.1");
});

test("allowedHostnames trusts exact hosts only; narrow range opt-ins", async () => {
  const policy: NetPolicy = { ...STRICT_NET_POLICY, allowedHostnames: ["intranet.test"] };
  const resolve = answers({ "intranet.test": ["10.1.1.1"], "other.test": ["10.1.1.2"], "fake.test": ["198.18.0.5"], "ula.test": ["fd00::5"] });
  assert.equal((await vetTarget(new URL("http://intranet.test/"), policy, resolve)).address, "10.1.1.1");
  await refused("http://other.test/", policy, resolve);
  await refused("http://fake.test/", policy, resolve);
  const proxy: NetPolicy = { ...STRICT_NET_POLICY, allowRfc2544BenchmarkRange: true, allowIpv6UniqueLocalRange: true };
  assert.equal((await vetTarget(new URL("http://fake.test/"), proxy, resolve)).address, "198.18.0.5");
  assert.equal((await vetTarget(new URL("http://ula.test/"), proxy, resolve)).address, "fd00::5");
  await refused("http://10.0.0.1/", proxy);
});

test("only http(s) URLs without credentials are accepted", () => {
  for (const raw of ["file:///etc/passwd", "ftp://example.com/", "gopher://x/", "javascript:alert(1)", "data:text/plain,hi"]) {
    assert.throws(() => parseFetchUrl(raw), (e: ToolError) => e.kind === "invalid_arguments" && /http and https/.test(e.message), raw);
  }
  assert.throws(() => parseFetchUrl("not a url"), (e: ToolError) => e.kind === "invalid_arguments");
  assert.throws(() => parseFetchUrl("http://user:pw@example.com/"), /credentials/);
  assert.equal(parseFetchUrl(" https://example.com/a?b=1 ").href, "https://example.com/a?b=1");
});

test("the pinned lookup answers with the vetted address whatever name it is asked about", () => {
  const lookup = pinnedLookup({ hostname: "example.test", address: "93.184.216.34", family: 4 });
  lookup("example.test", { all: true }, (err, address) => {
    assert.equal(err, null);
    assert.deepEqual(address, [{ address: "93.184.216.34", family: 4 }]);
  });
  lookup("evil.test", {}, (err, address, family) => {
    assert.equal(err, null);
    assert.equal(address, "93.184.216.34");
    assert.equal(family, 4);
  });
});
