import { test } from "node:test";
import assert from "node:assert/strict";
import type { TailscaleExec } from "./tailscale-cli.js";
import { loginFromWhois, TailscaleWhois, WHOIS_CACHE_MS, WHOIS_FAILURE_CACHE_MS } from "./tailscale-whois.js";

test("the login comes from UserProfile.LoginName, then UserProfile.Login, then LoginName", () => {
  assert.equal(loginFromWhois({ UserProfile: { LoginName: "alice@example.com", Login: "x" }, LoginName: "y" }), "alice@example.com");
  assert.equal(loginFromWhois({ UserProfile: { Login: "bob@example.com" } }), "bob@example.com");
  assert.equal(loginFromWhois({ LoginName: "carol@example.com" }), "carol@example.com");
  assert.equal(loginFromWhois({ UserProfile: { LoginName: "  " } }), undefined);
  assert.equal(loginFromWhois({}), undefined);
});

function fakeWhois(answer: () => object | Error) {
  const calls: string[][] = [];
  let clock = 1_000_000;
  const exec: TailscaleExec = async (args) => {
    calls.push(args);
    const a = answer();
    if (a instanceof Error) throw a;
    return { stdout: JSON.stringify(a), stderr: "" };
  };
  return { whois: new TailscaleWhois(exec, () => clock), calls, advance: (ms: number) => (clock += ms) };
}

test("answers are cached for a minute, per address", async () => {
  const { whois, calls, advance } = fakeWhois(() => ({ UserProfile: { LoginName: "alice@example.com" } }));
  assert.equal(await whois.login("100.64.0.1"), "alice@example.com");
  assert.deepEqual(calls, [["whois", "--json", "100.64.0.1"]]);
  advance(WHOIS_CACHE_MS - 1);
  assert.equal(await whois.login("100.64.0.1"), "alice@example.com");
  assert.equal(calls.length, 1);
  await whois.login("100.64.0.2");
  assert.equal(calls.length, 2);
  advance(2);
  await whois.login("100.64.0.1");
  assert.equal(calls.length, 3);
});

test("failures are cached for five seconds, then asked again", async () => {
  let answer: object | Error = new Error("peer not found");
  const { whois, calls, advance } = fakeWhois(() => answer);
  assert.equal(await whois.login("100.64.0.9"), null);
  answer = { UserProfile: { LoginName: "dave@example.com" } };
  assert.equal(await whois.login("100.64.0.9"), null);
  assert.equal(calls.length, 1);
  advance(WHOIS_FAILURE_CACHE_MS + 1);
  assert.equal(await whois.login("100.64.0.9"), "dave@example.com");
  assert.equal(calls.length, 2);
});

test("concurrent questions about one address run one command", async () => {
  const { whois, calls } = fakeWhois(() => ({ UserProfile: { LoginName: "alice@example.com" } }));
  const answers = await Promise.all([whois.login("100.64.0.1"), whois.login("100.64.0.1"), whois.login("100.64.0.1")]);
  assert.deepEqual(answers, ["alice@example.com", "alice@example.com", "alice@example.com"]);
  assert.equal(calls.length, 1);
});
