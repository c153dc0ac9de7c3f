import { afterEach, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { installTailscaleStandIn, isRunning, type TailscaleStandIn } from "../../../test/stand-ins/tailscale-cli.js";
import { claimTailscaleRoute, resetTailscaleRoutes, TailscaleRouteConflictError, type TailscaleClaim } from "./tailscale-claim.js";

const TARGET = "http://127.0.0.1:45678";
let root: string;
let standIn: TailscaleStandIn;
let savedEnv: { PATH?: string; TAILSCALE_STANDIN_DIR?: string };
const claims: TailscaleClaim[] = [];

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "ts-claim-"));
  standIn = installTailscaleStandIn(root);
  savedEnv = { PATH: process.env.PATH, TAILSCALE_STANDIN_DIR: process.env.TAILSCALE_STANDIN_DIR };
  Object.assign(process.env, standIn.env());
});

afterEach(async () => {
  await Promise.all(claims.splice(0).map((c) => c.stop()));
  process.env.PATH = savedEnv.PATH;
  if (savedEnv.TAILSCALE_STANDIN_DIR === undefined) delete process.env.TAILSCALE_STANDIN_DIR;
  else process.env.TAILSCALE_STANDIN_DIR = savedEnv.TAILSCALE_STANDIN_DIR;
  rmSync(root, { recursive: true, force: true });
});

async function claim(mode: "serve" | "funnel", opts: { startTimeoutMs?: number; info?: (l: string) => void } = {}): Promise<TailscaleClaim> {
  const c = await claimTailscaleRoute({ mode, target: TARGET, gatewayPort: 18789, info: opts.info ?? (() => {}), startTimeoutMs: opts.startTimeoutMs });
  claims.push(c);
  return c;
}

test("serve: status, route check, the foreground owner, then the hostname; stop releases the route", async () => {
  const c = await claim("serve");
  assert.deepEqual(standIn.calls(), [
    ["status", "--json"],
    ["serve", "status", "--json"],
    ["serve", "--yes", "--bg=false", TARGET],
    ["status", "--json"],
  ]);
  assert.equal(c.url, "https://gw.example.ts.net/");
  const pid = standIn.ownerPid();
  assert.ok(isRunning(pid), "the owner runs while the claim lives");
  await c.stop();
  assert.equal(isRunning(pid), false);
  assert.deepEqual(standIn.events(), [{ claimed: "serve" }, { released: "serve", signal: "SIGTERM" }]);
  assert.equal((await c.exited).expected, true);
});

test("funnel claims with tailscale funnel", async () => {
  await claim("funnel");
  assert.deepEqual(standIn.calls()[2], ["funnel", "--yes", "--bg=false", TARGET]);
});

test("a route an older release pointed at the gateway port is switched off first and the adoption is logged", async () => {
  standIn.writeServeStatus({ TCP: { "443": { HTTPS: true } }, Web: { "gw.example.ts.net:443": { Handlers: { "/": { Proxy: "http://127.0.0.1:18789" } } } } });
  const lines: string[] = [];
  await claim("serve", { info: (l) => lines.push(l) });
  assert.deepEqual(standIn.calls().slice(0, 4), [
    ["status", "--json"],
    ["serve", "status", "--json"],
    ["serve", "--yes", "--https=443", "--set-path=/", "off"],
    ["serve", "--yes", "--bg=false", TARGET],
  ]);
  assert.ok(lines.some((l) => l.includes("adopted") && l.includes("http://127.0.0.1:18789")), lines.join("\n"));
});

test("a root route to something else refuses the claim and is left alone", async () => {
  standIn.writeServeStatus({ Web: { "gw.example.ts.net:443": { Handlers: { "/": { Proxy: "http://127.0.0.1:3000" } } } } });
  await assert.rejects(claim("serve"), (err: Error) => err instanceof TailscaleRouteConflictError && err.message.includes("tailscale serve --yes --https=443 --set-path=/ off"));
  assert.deepEqual(standIn.calls(), [
    ["status", "--json"],
    ["serve", "status", "--json"],
  ]);
});

test("an owner that exits before the route is live fails the claim with what it said", async () => {
  standIn.failOwner("Serve is not enabled on your tailnet.\nTo enable, visit:\n\n  https://login.tailscale.com/f/serve?node=abc\n");
  await assert.rejects(claim("serve"), /tailscale serve exited \(code 1\) before the route was live: Serve is not enabled on your tailnet\. To enable, visit: https:\/\/login\.tailscale\.com\/f\/serve\?node=abc/);
});

test("another foreground session on the port is a route conflict", async () => {
  standIn.failOwner("error: listener already exists for port 443\n");
  await assert.rejects(claim("serve"), (err: Error) => err instanceof TailscaleRouteConflictError && /port 443 is already held by another foreground/.test(err.message));
});

test("an owner that never says the route is live fails after the start timeout and is stopped", async () => {
  standIn.silenceOwner();
  await assert.rejects(claim("serve", { startTimeoutMs: 400 }), /did not report the route live within 0.4s/);
  const pid = standIn.ownerPid();
  for (let i = 0; i < 50 && isRunning(pid); i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(isRunning(pid), false);
});

test("an owner that dies while the claim lives is reported as unexpected", async () => {
  const c = await claim("serve");
  process.kill(standIn.ownerPid()!, "SIGKILL");
  const exit = await c.exited;
  assert.equal(exit.expected, false);
});

test("reset runs tailscale serve reset / tailscale funnel reset", async () => {
  await resetTailscaleRoutes("serve");
  await resetTailscaleRoutes("funnel");
  assert.deepEqual(standIn.calls(), [
    ["serve", "reset"],
    ["funnel", "reset"],
  ]);
});
