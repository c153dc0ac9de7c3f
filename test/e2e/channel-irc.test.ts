/**
 * IRC end to end: a real ngircd on loopback, a gateway process, the provider stand-in and people
 * on raw IRC sockets. An unknown user DMs the bot and gets a pairing code (no model call); the
 * owner approves it with the CLI; the next DM reaches the agent and the reply arrives split at the
 * line limit. In #bots, mention gating keeps plain chatter out of runs (but in the session) and
 * answers a mention. Killing the daemon leaves the gateway serving with an honest status, and the
 * channel reconnects when the daemon is back. A daemon that stops answering (SIGSTOP: the socket
 * stays open, nothing comes back) is reported as dead, not shown as healthy.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startProviderStandIn, type ProviderStandIn } from "../stand-ins/provider-stand-in.js";
import { ircAvailable, startIrcDaemon, stopAllIrcDaemons, type IrcDaemon } from "../irc/ngircd.js";
import { connectIrc, destroyAllIrcClients, type IrcMessage, type IrcTestClient } from "../irc/irc-test-client.js";
import { baseConfig, connectOperator, dump, healthzOk, runOpenclaw, sleep, startSandboxGateway, useProcessCleanup, waitForLog, waitUntil, type ConfiguredSandbox, type OperatorClient, type Proc } from "./process-harness.js";

const available = ircAvailable();
const skip = available.ok ? false : available.reason;

useProcessCleanup();

const BOT = "clawbot";
let standIn: ProviderStandIn;
let daemon: IrcDaemon;
let gateway: ConfiguredSandbox & { proc: Proc };
let operator: OperatorClient;

const modelCalls = (needle: string) => standIn.requests.filter((r) => r.method === "POST" && JSON.stringify(r.body ?? "").includes(needle)).length;

before(async () => {
  if (skip) return;
  standIn = await startProviderStandIn();
  daemon = await startIrcDaemon({ channels: ["#bots"] });
  gateway = await startSandboxGateway({
    config: (port, token, logFile) => ({
      ...baseConfig(port, token, logFile),
      agents: { defaults: { model: { primary: "mock/echo" } } },
      models: { providers: { mock: { baseUrl: `${standIn.url}/v1`, apiKey: "mock-local", api: "openai-completions", models: [{ id: "echo", contextWindow: 32000 }] } } },
      channels: {
        irc: {
          host: daemon.host,
          port: daemon.port,
          nick: BOT,
          channels: ["#bots"],
          groups: { "#bots": { requireMention: true } },
          // A fast keepalive, so a silent server is noticed within seconds (the default is 60 s).
          pingIntervalMs: 3000,
        },
      },
    }),
  });
  operator = await connectOperator(gateway.port, gateway.token, { scopes: ["operator.admin", "operator.read", "operator.write", "operator.pairing"] });
  await waitUntil(async () => (await ircStatus()).connected === true, 15_000, "the IRC account to connect");
});

after(async () => {
  destroyAllIrcClients();
  await stopAllIrcDaemons();
  await standIn?.close();
});

async function ircStatus(): Promise<Record<string, any>> {
  const res = await operator.request("channels.status", { channel: "irc" });
  return res.payload.channelAccounts.irc[0];
}

const fromBot = (m: IrcMessage) => m.prefix?.startsWith(`${BOT}!`) === true && (m.command === "PRIVMSG" || m.command === "NOTICE");

async function person(nick: string): Promise<IrcTestClient> {
  const c = await connectIrc(daemon.host, daemon.port, nick);
  return c;
}

/** Collects the bot's lines to `target` (a nick's DM or a channel) until `done` sees the whole reply. */
async function botLines(client: IrcTestClient, from: number, target: string, done: (text: string) => boolean, timeoutMs = 15_000): Promise<IrcMessage[]> {
  const lines: IrcMessage[] = [];
  await waitUntil(() => {
    lines.length = 0;
    lines.push(...client.messages.slice(from).filter((m) => fromBot(m) && m.params[0].toLowerCase() === target.toLowerCase()));
    return done(lines.map((l) => l.params[1]).join("\n"));
  }, timeoutMs, `the bot's reply to ${target}`);
  return lines;
}

test("an unknown DM gets a pairing code and no model call; after CLI approval the agent answers, split at the line limit", { skip }, async () => {
  const alice = await person("alice");
  let mark = alice.mark();
  alice.privmsg(BOT, "hello there, who are you?");
  // The message is several lines, paced by the bot: wait for its last one.
  const lines = await botLines(alice, mark, "alice", (t) => /Pairing code: [A-Z2-9]{8}/.test(t) && /openclaw pairing approve irc/.test(t));
  const code = /Pairing code: ([A-Z2-9]{8})/.exec(lines.map((l) => l.params[1]).join("\n"))![1];
  assert.equal(modelCalls("who are you"), 0, "no model call before approval");

  mark = alice.mark();
  alice.privmsg(BOT, "are you there?");
  await sleep(800);
  assert.equal(alice.messages.slice(mark).filter(fromBot).length, 0, "the code is sent once, not on every message");

  const listed = await runOpenclaw(["pairing", "list", "irc", "--json"], gateway.sb.env);
  assert.equal(listed.code, 0, dump(listed));
  assert.equal(JSON.parse(listed.stdout).requests[0].requestId, code);
  const approved = await runOpenclaw(["pairing", "approve", "irc", code], gateway.sb.env);
  assert.equal(approved.code, 0, dump(approved));
  assert.match(approved.stdout, /Approved alice!/);

  mark = alice.mark();
  alice.privmsg(BOT, "please explain MARK:long");
  const reply = await botLines(alice, mark, "alice", (t) => t.includes("Paragraph 10."), 20_000);
  assert.ok(reply.length > 3, `a long answer arrives as several lines (got ${reply.length})`);
  for (const line of reply) assert.ok(Buffer.byteLength(line.raw, "utf8") + 2 <= 512, `every relayed line fits 512 bytes: ${line.raw.length}`);
  const text = reply.map((l) => l.params[1]).join(" ");
  assert.match(text, /Paragraph 1\. Sentence 1 of paragraph 1/);
  assert.match(text, /console\.log/);
  assert.equal(modelCalls("please explain"), 1, "one model call for one message");
  await alice.quit();
});

test("in #bots, plain chatter is kept in the session without a run, and a mention is answered in the channel", { skip }, async () => {
  const bob = await person("bob");
  await bob.join("#bots");
  await waitUntil(() => bob.messages.some((m) => m.command === "353" || m.command === "366"), 5000, "names");
  let mark = bob.mark();
  bob.privmsg("#bots", "just chatting about lunch plans");
  await sleep(1000);
  assert.equal(bob.messages.slice(mark).filter(fromBot).length, 0, "no reply without a mention");
  assert.equal(modelCalls("lunch plans"), 0, "no model call without a mention");
  const history = await operator.request("chat.history", { sessionKey: "agent:main:irc:group:#bots" });
  assert.ok(JSON.stringify(history.payload.messages).includes("lunch plans"), "the unanswered message is in the session history");

  mark = bob.mark();
  bob.privmsg("#bots", `${BOT}: ping please`);
  const lines = await botLines(bob, mark, "#bots", (t) => t.includes("ping please"));
  assert.match(lines.map((l) => l.params[1]).join(" "), /echo: .*ping please/);
  const session = await operator.request("chat.history", { sessionKey: "agent:main:irc:group:#bots" });
  assert.ok(JSON.stringify(session.payload.messages).includes("lunch plans"), "the earlier chatter stays before the mention");
  await bob.quit();
});

test("the CLI: channels status --probe shows the account working; message send reaches #bots; stop and start", { skip }, async () => {
  const status = await runOpenclaw(["channels", "status", "--probe"], gateway.sb.env);
  assert.equal(status.code, 0, dump(status));
  assert.match(status.stdout, /IRC\n  default: connected/);
  assert.match(status.stdout, /probe: works/);

  const carol = await person("carol");
  await carol.join("#bots");
  const mark = carol.mark();
  const sent = await runOpenclaw(["message", "send", "--channel", "irc", "--target", "#bots", "--message", "deploy finished"], gateway.sb.env);
  assert.equal(sent.code, 0, dump(sent));
  assert.match(sent.stdout, /Sent to irc #bots/);
  await botLines(carol, mark, "#bots", (t) => t.includes("deploy finished"));

  const unknown = await operator.request("send", { channel: "discord", to: "x", message: "hi", idempotencyKey: "k1" });
  assert.equal(unknown.ok, false);
  assert.match(String(unknown.error?.message), /not configured|unknown channel/);

  const stopped = await operator.request("channels.stop", { channel: "irc" });
  assert.equal(stopped.ok, true, JSON.stringify(stopped.error));
  await carol.waitFor((m) => m.command === "QUIT" && m.nick === BOT, { from: mark, timeoutMs: 5000 });
  assert.equal((await ircStatus()).running, false);
  const refused = await operator.request("send", { channel: "irc", to: "#bots", message: "while stopped", idempotencyKey: "k2" });
  assert.equal(refused.ok, false);
  assert.match(String(refused.error?.message), /not running/);
  // An unrelated config edit (hot reload) leaves the stopped account stopped.
  const config = gateway.sb.readConfig() as Record<string, any>;
  config.agents.defaults.timeoutSeconds = 321;
  gateway.sb.writeConfig(config);
  await waitForLog(gateway.sb.logFile, /config (hot reload applied|change applied)/, 10_000);
  await sleep(300);
  assert.equal((await ircStatus()).running, false, "a reload does not undo channels.stop");
  await operator.request("channels.start", { channel: "irc" });
  await waitUntil(async () => (await ircStatus()).connected === true, 15_000, "the account to start again");
  await carol.quit();
});

test("killing the daemon: status shows the error, the gateway keeps serving, the channel reconnects when the daemon is back", { skip }, async () => {
  await daemon.kill();
  const down = await waitUntil(async () => {
    const s = await ircStatus();
    return s.connected === false && s.lastError ? s : null;
  }, 10_000, "the status to show the disconnect");
  assert.ok(down!.lastDisconnect?.at > 0, JSON.stringify(down));
  assert.ok(await healthzOk(gateway.port), "the gateway still serves HTTP");
  const health = await operator.request("health", {});
  assert.equal(health.payload.ok, true, "RPCs still work");

  await daemon.restart();
  const up = await waitUntil(async () => {
    const s = await ircStatus();
    return s.connected === true ? s : null;
  }, 30_000, "the IRC account to reconnect");
  assert.ok(up!.reconnectAttempts >= 1, JSON.stringify(up));

  const alice = await person("alice");
  const mark = alice.mark();
  alice.privmsg(BOT, "back again?");
  await botLines(alice, mark, "alice", (t) => t.includes("back again?"));
  await alice.quit();
});

test("a server that goes silent with the socket open is detected and reported, then the channel reconnects", { skip }, async () => {
  const pid = daemon.pid;
  process.kill(pid, "SIGSTOP");
  try {
    const stale = await waitUntil(async () => {
      const s = await ircStatus();
      return s.connected === false && /no traffic/.test(String(s.lastError ?? "")) ? s : null;
    }, 30_000, "the silent connection to be reported");
    assert.equal(stale!.healthState, "stale", JSON.stringify(stale));
  } finally {
    process.kill(pid, "SIGCONT");
  }
  await waitUntil(async () => (await ircStatus()).connected === true, 30_000, "the IRC account to reconnect after the server answers again");
});
