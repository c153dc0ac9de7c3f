/**
 * Tailscale Serve/Funnel (operations.md §9.4) against a stand-in `tailscale` on PATH that records
 * every argv and answers like the real CLI: the exact commands for serve, funnel and reset, the
 * foreground claim's lifetime, the start-up refusals, and tokenless auth from a verified
 * `tailscale-user-login` (the test plays Tailscale's proxy by connecting to the managed target).
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import WebSocket from "ws";
import { installTailscaleStandIn, isRunning, type TailscaleStandIn } from "../stand-ins/tailscale-cli.js";
import {
  dump,
  httpGet,
  isListening,
  makeConfiguredSandbox,
  readLog,
  runOpenclaw,
  startGateway,
  useProcessCleanup,
  waitForLog,
  waitUntil,
  type ConfiguredSandbox,
  type Proc,
} from "./process-harness.js";

useProcessCleanup();

const HOST = "gw.example.ts.net";
const ALICE = "alice@example.com";
const whoisAnswer = (login: string) => ({ Node: { Name: `${login.split("@")[0]}-laptop.${HOST}.` }, UserProfile: { ID: 1, LoginName: login, DisplayName: login } });

type TailscaleSandbox = ConfiguredSandbox & { standIn: TailscaleStandIn };

async function tailscaleSandbox(extraGateway: Record<string, unknown>): Promise<TailscaleSandbox> {
  const configured = await makeConfiguredSandbox({ extraGateway });
  const standIn = installTailscaleStandIn(configured.sb.root);
  Object.assign(configured.sb.env, standIn.env());
  return { ...configured, standIn };
}

/** The managed listener's port, from the `serve|funnel --yes --bg=false <target>` the gateway ran (the latest one). */
function managedPort(standIn: TailscaleStandIn): number {
  const claims = standIn.calls().filter((argv) => argv[2] === "--bg=false");
  assert.ok(claims.length > 0, `no foreground claim in ${JSON.stringify(standIn.calls())}`);
  const target = new URL(claims.at(-1)!.at(-1)!);
  assert.equal(target.hostname, "127.0.0.1");
  return Number(target.port);
}

function claimSequence(mode: "serve" | "funnel", port: number): string[][] {
  return [
    ["status", "--json"],
    ["serve", "status", "--json"],
    [mode, "--yes", "--bg=false", `http://127.0.0.1:${port}`],
    ["status", "--json"],
  ];
}

/** What Tailscale's Serve proxy adds to a request from `clientIp` signed in as `login`. */
function serveHeaders(login: string, clientIp: string): Record<string, string> {
  return {
    "tailscale-user-login": login,
    "tailscale-user-name": login,
    "x-forwarded-for": clientIp,
    "x-forwarded-proto": "https",
    "x-forwarded-host": HOST,
  };
}

type ConnectAnswer = { ok: boolean; payload?: any; error?: { code?: string; message?: string; details?: any } };

/** Challenge → connect (with `auth` if given) → the connect response; the socket is closed after. */
function connectVia(port: number, headers: Record<string, string>, auth?: Record<string, string>): Promise<ConnectAnswer> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { headers, perMessageDeflate: false });
    const timer = setTimeout(() => finish(new Error("connect timed out")), 10_000);
    const finish = (err: Error | null, answer?: ConnectAnswer) => {
      clearTimeout(timer);
      ws.terminate();
      if (err) reject(err);
      else resolve(answer!);
    };
    ws.on("error", (err) => finish(err));
    ws.on("message", (data) => {
      const frame = JSON.parse(String(data));
      if (frame.type === "event" && frame.event === "connect.challenge") {
        const client = { id: "cli", version: "2026.9.6", platform: "linux", mode: "cli" };
        ws.send(JSON.stringify({ type: "req", id: "c1", method: "connect", params: { minProtocol: 4, maxProtocol: 4, client, role: "operator", scopes: ["operator.read"], ...(auth ? { auth } : {}) } }));
      } else if (frame.type === "res" && frame.id === "c1") {
        finish(null, { ok: frame.ok, payload: frame.payload, error: frame.error });
      }
    });
  });
}

function httpVia(port: number, method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method, path, headers: { ...headers, ...(body ? { "content-type": "application/json" } : {}) } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("serve", () => {
  let ts: TailscaleSandbox;
  let gateway: Proc;
  let managed: number;
  before(async () => {
    ts = await tailscaleSandbox({ tailscale: { mode: "serve" }, http: { endpoints: { chatCompletions: { enabled: true } } } });
    ts.standIn.writeWhois("100.64.0.1", whoisAnswer(ALICE));
    ts.standIn.writeWhois("100.64.0.2", whoisAnswer("bob@example.com"));
    ts.standIn.writeWhois("100.64.0.4", whoisAnswer(ALICE));
    gateway = await startGateway(ts.sb.env, [], ts.port);
    managed = managedPort(ts.standIn);
  });

  test("the gateway claims the route with a foreground serve to its own managed listener and logs the URL", async () => {
    assert.notEqual(managed, ts.port);
    assert.ok(await isListening(managed), "the managed listener is up");
    assert.deepEqual(ts.standIn.calls(), claimSequence("serve", managed));
    await waitForLog(ts.sb.logFile, `Tailscale serve: https://${HOST}/`);
    assert.ok(isRunning(ts.standIn.ownerPid()), "the foreground owner runs");
  });

  test("a verified Tailscale login connects without a token on the managed listener", async () => {
    const answer = await connectVia(managed, serveHeaders("Alice@Example.com", "100.64.0.1"));
    assert.equal(answer.ok, true, JSON.stringify(answer.error));
    assert.equal(answer.payload.auth.method, "tailscale");
    assert.deepEqual(answer.payload.auth.scopes, ["operator.read"]);
    assert.ok(ts.standIn.calls().some((argv) => argv.join(" ") === "whois --json 100.64.0.1"));
  });

  test("whois naming someone else, or failing, refuses the tokenless connect", async () => {
    const bob = await connectVia(managed, serveHeaders(ALICE, "100.64.0.2"));
    assert.equal(bob.ok, false);
    assert.equal(bob.error?.details?.code, "AUTH_TOKEN_MISSING");
    const unknown = await connectVia(managed, serveHeaders(ALICE, "100.64.0.3"));
    assert.equal(unknown.ok, false);
    assert.ok(ts.standIn.calls().some((argv) => argv.join(" ") === "whois --json 100.64.0.3"), "whois was asked and failed");
  });

  test("a wrong token is refused even with a verified login, so the answer is no oracle for guesses", async () => {
    const answer = await connectVia(managed, serveHeaders(ALICE, "100.64.0.1"), { token: "a-guess" });
    assert.equal(answer.ok, false);
    assert.equal(answer.error?.details?.authReason, "token_mismatch");
  });

  test("the same headers on the ordinary port never authenticate, and whois is not even asked", async () => {
    const answer = await connectVia(ts.port, serveHeaders(ALICE, "100.64.0.4"));
    assert.equal(answer.ok, false);
    assert.equal(answer.error?.details?.code, "AUTH_TOKEN_MISSING");
    assert.ok(!ts.standIn.calls().some((argv) => argv.join(" ") === "whois --json 100.64.0.4"));
  });

  test("the token still works through the managed listener", async () => {
    const answer = await connectVia(managed, serveHeaders(ALICE, "100.64.0.3"), { token: ts.token });
    assert.equal(answer.ok, true, JSON.stringify(answer.error));
    assert.equal(answer.payload.auth.method, "token");
  });

  test("HTTP APIs never take the Tailscale identity: verified headers without a token get 401", async () => {
    const headers = serveHeaders(ALICE, "100.64.0.1");
    const models = await httpVia(managed, "GET", "/v1/models", headers);
    assert.equal(models.status, 401, models.body);
    const tools = await httpVia(managed, "POST", "/tools/invoke", headers, JSON.stringify({ tool: "no_such_tool" }));
    assert.equal(tools.status, 401, tools.body);
    const withToken = await httpVia(managed, "GET", "/v1/models", { ...headers, authorization: `Bearer ${ts.token}` });
    assert.equal(withToken.status, 200, withToken.body);
  });

  test("wrong tokens through the route lock out that Tailscale client, not tailscaled's exempt 127.0.0.1, and no one else", async () => {
    const mallory = serveHeaders("mallory@example.com", "100.64.0.9");
    for (let attempt = 0; attempt < 10; attempt++) {
      const wrong = await httpVia(managed, "GET", "/v1/models", { ...mallory, authorization: "Bearer wrong" });
      assert.equal(wrong.status, 401, wrong.body);
    }
    const locked = await httpVia(managed, "GET", "/v1/models", { ...mallory, authorization: `Bearer ${ts.token}` });
    assert.equal(locked.status, 429, locked.body);
    const lockedWs = await connectVia(managed, mallory, { token: ts.token });
    assert.equal(lockedWs.error?.details?.authReason, "rate_limited", "the WebSocket counts against the same client");
    const other = await httpVia(managed, "GET", "/v1/models", { ...serveHeaders(ALICE, "100.64.0.10"), authorization: `Bearer ${ts.token}` });
    assert.equal(other.status, 200, other.body);
  });

  test("stopping the gateway ends the foreground claim and resets nothing", async () => {
    const owner = ts.standIn.ownerPid();
    const exit = await gateway.stop("SIGTERM");
    assert.equal(exit.code, 0, dump(gateway));
    assert.equal(isRunning(owner), false, "the foreground owner is gone");
    assert.deepEqual(ts.standIn.events(), [{ claimed: "serve" }, { released: "serve", signal: "SIGTERM" }]);
    assert.ok(!ts.standIn.calls().some((argv) => argv.includes("reset")));
    assert.equal(await isListening(managed), false);
  });
});

describe("funnel with --tailscale funnel --tailscale-reset-on-exit", () => {
  test("claims with tailscale funnel, never admits by identity, and runs tailscale funnel reset after the claim ends", async () => {
    const ts = await tailscaleSandbox({ auth: { mode: "password", password: "funnel-pw" } });
    ts.standIn.writeWhois("100.64.0.1", whoisAnswer(ALICE));
    const gateway = await startGateway(ts.sb.env, ["--tailscale", "funnel", "--tailscale-reset-on-exit"], ts.port);
    const managed = managedPort(ts.standIn);
    assert.deepEqual(ts.standIn.calls(), claimSequence("funnel", managed));
    await waitForLog(ts.sb.logFile, `Tailscale funnel: https://${HOST}/`);

    const tokenless = await connectVia(managed, serveHeaders(ALICE, "100.64.0.1"));
    assert.equal(tokenless.ok, false, "funnel traffic carries no identity");
    assert.ok(!ts.standIn.calls().some((argv) => argv[0] === "whois"));
    const withPassword = await connectVia(managed, serveHeaders(ALICE, "100.64.0.1"), { password: "funnel-pw" });
    assert.equal(withPassword.ok, true, JSON.stringify(withPassword.error));

    assert.equal((await gateway.stop("SIGTERM")).code, 0, dump(gateway));
    assert.deepEqual(ts.standIn.calls().slice(4), [["funnel", "reset"]]);
    assert.deepEqual(ts.standIn.events(), [{ claimed: "funnel" }, { released: "funnel", signal: "SIGTERM" }]);
  });
});

describe("lifetime of the claim", () => {
  test("gateway.tailscale.resetOnExit: an in-process restart re-claims (one owner at a time, no reset); the final stop runs tailscale serve reset", async () => {
    const ts = await tailscaleSandbox({ tailscale: { mode: "serve", resetOnExit: true } });
    const gateway = await startGateway(ts.sb.env, [], ts.port);
    const first = managedPort(ts.standIn);
    const firstOwner = ts.standIn.ownerPid();
    const logged = readLog(ts.sb.logFile).length;
    gateway.child.kill("SIGUSR2");
    await waitForLog(ts.sb.logFile, "after restart", 15_000, logged);
    const second = managedPort(ts.standIn);
    assert.notEqual(second, first, "the new server has a new managed listener");
    assert.equal(isRunning(firstOwner), false, "the first claim ended before the second began");
    assert.ok(isRunning(ts.standIn.ownerPid()));
    assert.deepEqual(ts.standIn.calls(), [...claimSequence("serve", first), ...claimSequence("serve", second)]);

    assert.equal((await gateway.stop("SIGTERM")).code, 0, dump(gateway));
    assert.deepEqual(ts.standIn.calls().at(-1), ["serve", "reset"]);
    const released = { released: "serve", signal: "SIGTERM" };
    assert.deepEqual(ts.standIn.events(), [{ claimed: "serve" }, released, { claimed: "serve" }, released]);
  });

  test("a gateway killed with SIGKILL does not leave its route behind", async () => {
    const ts = await tailscaleSandbox({ tailscale: { mode: "serve" } });
    const gateway = await startGateway(ts.sb.env, [], ts.port);
    const owner = ts.standIn.ownerPid();
    assert.ok(isRunning(owner));
    await gateway.stop("SIGKILL");
    await waitUntil(() => !isRunning(owner), 5000, "the foreground owner to exit");
  });

  test("a restart whose claim fails keeps the gateway up on loopback, without a route", async () => {
    const ts = await tailscaleSandbox({ tailscale: { mode: "serve" } });
    const gateway = await startGateway(ts.sb.env, [], ts.port);
    ts.standIn.failOwner("Serve is not enabled on your tailnet.\n");
    const logged = readLog(ts.sb.logFile).length;
    gateway.child.kill("SIGUSR2");
    await waitForLog(ts.sb.logFile, /config restart failed: tailscale serve exited .*Serve is not enabled on your tailnet/, 15_000, logged);
    await waitForLog(ts.sb.logFile, "after restart", 15_000, logged);
    assert.equal(gateway.exitInfo(), null, "the gateway is still running");
    assert.equal((await httpGet(ts.port, "/healthz"))?.status, 200);
    assert.equal(ts.standIn.calls().filter((argv) => argv[2] === "--bg=false").length, 2, "one claim at start, one failed attempt, no third");
  });

  test("a route owner that dies while the gateway runs is logged as an error", async () => {
    const ts = await tailscaleSandbox({ tailscale: { mode: "serve" } });
    await startGateway(ts.sb.env, [], ts.port);
    process.kill(ts.standIn.ownerPid()!, "SIGKILL");
    const line = await waitForLog(ts.sb.logFile, "tailscale serve exited unexpectedly");
    assert.equal(line.level, "error");
    assert.match(String(line.message), new RegExp(`https://${HOST}/ no longer reaches the gateway`));
  });
});

describe("start-up refusals", () => {
  test("a stale :443 root route: explanation with the fix, exit 78, the route untouched", async () => {
    const ts = await tailscaleSandbox({ tailscale: { mode: "serve" } });
    ts.standIn.writeServeStatus({ TCP: { "443": { HTTPS: true } }, Web: { [`${HOST}:443`]: { Handlers: { "/": { Proxy: "http://127.0.0.1:3000" } } } } });
    const r = await runOpenclaw(["gateway"], ts.sb.env);
    assert.equal(r.code, 78, dump(r));
    assert.match(r.stderr, /tailscale serve --yes --https=443 --set-path=\/ off/);
    assert.match(r.stderr, new RegExp(`https://${HOST}/ -> http://127\\.0\\.0\\.1:3000`));
    assert.deepEqual(ts.standIn.calls(), [
      ["status", "--json"],
      ["serve", "status", "--json"],
    ]);
  });

  test("a stale funnel root route names the funnel form of the fix", async () => {
    const ts = await tailscaleSandbox({ tailscale: { mode: "serve" } });
    ts.standIn.writeServeStatus({ Web: { [`${HOST}:443`]: { Handlers: { "/": { Proxy: "http://127.0.0.1:3000" } } } }, AllowFunnel: { [`${HOST}:443`]: true } });
    const r = await runOpenclaw(["gateway"], ts.sb.env);
    assert.equal(r.code, 78, dump(r));
    assert.match(r.stderr, /tailscale funnel --yes --https=443 --set-path=\/ off/);
  });

  test("a root route an older release pointed at this gateway port is switched off and adopted", async () => {
    const ts = await tailscaleSandbox({ tailscale: { mode: "serve" } });
    ts.standIn.writeServeStatus({ Web: { [`${HOST}:443`]: { Handlers: { "/": { Proxy: `http://127.0.0.1:${ts.port}` } } } } });
    await startGateway(ts.sb.env, [], ts.port);
    const managed = managedPort(ts.standIn);
    assert.deepEqual(ts.standIn.calls().slice(0, 4), [
      ["status", "--json"],
      ["serve", "status", "--json"],
      ["serve", "--yes", "--https=443", "--set-path=/", "off"],
      ["serve", "--yes", "--bg=false", `http://127.0.0.1:${managed}`],
    ]);
    await waitForLog(ts.sb.logFile, "Tailscale route adopted from a previous OpenClaw release");
  });

  test("another foreground session on :443 is a route conflict: exit 78", async () => {
    const ts = await tailscaleSandbox({ tailscale: { mode: "serve" } });
    ts.standIn.failOwner("listener already exists for port 443\n");
    const r = await runOpenclaw(["gateway"], ts.sb.env);
    assert.equal(r.code, 78, dump(r));
    assert.match(r.stderr, /already held by another foreground Serve\/Funnel session/);
  });

  test("funnel without password auth refuses to start (exit 78) before running tailscale", async () => {
    const ts = await tailscaleSandbox({ tailscale: { mode: "funnel" } });
    const r = await runOpenclaw(["gateway"], ts.sb.env);
    assert.equal(r.code, 78, dump(r));
    assert.match(r.stderr, /Tailscale funnel requires gateway\.auth\.mode=password/);
    assert.deepEqual(ts.standIn.calls(), []);
  });

  test("a logged-out daemon (BackendState NeedsLogin) fails closed with what to do", async () => {
    const ts = await tailscaleSandbox({ tailscale: { mode: "serve" } });
    ts.standIn.writeStatus({ BackendState: "NeedsLogin", AuthURL: "https://login.tailscale.com/a/xyz" });
    const r = await runOpenclaw(["gateway"], ts.sb.env);
    assert.equal(r.code, 1, dump(r));
    assert.match(r.stderr, /Tailscale is not running \(BackendState "NeedsLogin"\)\. Log in and connect with `tailscale up`/);
    assert.deepEqual(ts.standIn.calls(), [["status", "--json"]]);
  });

  test("no tailscale CLI on PATH: install Tailscale and log in", async () => {
    const ts = await tailscaleSandbox({ tailscale: { mode: "serve" } });
    const emptyBin = join(ts.sb.root, "empty-bin");
    mkdirSync(emptyBin);
    ts.sb.env.PATH = emptyBin;
    const r = await runOpenclaw(["gateway"], ts.sb.env);
    assert.equal(r.code, 1, dump(r));
    assert.match(r.stderr, /Tailscale CLI not found on PATH\. Install Tailscale and log in/);
  });

  test("an invalid --tailscale value exits 1 with the allowed values", async () => {
    const ts = await tailscaleSandbox({});
    const r = await runOpenclaw(["gateway", "--tailscale", "public"], ts.sb.env);
    assert.equal(r.code, 1, dump(r));
    assert.match(r.stderr, /Invalid --tailscale\. Use "off", "serve", or "funnel"\./);
    assert.deepEqual(ts.standIn.calls(), []);
  });
});
