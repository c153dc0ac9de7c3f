/**
 * The IRC adapter against a real ngIRCd on loopback: registration and JOINs, DMs and channel
 * messages through receive(), long paced replies within 512 bytes, injection attempts, nick
 * fallback, KICK and rejoin, NickServ, our PINGs, abort, a killed daemon and a server password.
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { connectIrc as connectTestClient, type IrcMessage } from "../../../test/irc/irc-test-client.js";
import { ircAvailable, startIrcDaemon, type IrcDaemon } from "../../../test/irc/ngircd.js";
import { ChannelSendError, type ChannelConnection, type InboundMessage } from "../types.js";
import { adapter } from "./index.js";
import type { IrcAccount } from "./irc-config.js";
import { fakeContext, ircAccount, type FakeContext } from "./irc-test-context.js";

const irc = ircAvailable();
const skip = irc.ok ? false : irc.reason;

let ircd: IrcDaemon;
before(async () => {
  if (irc.ok) ircd = await startIrcDaemon({ channels: ["#bots", { name: "#locked", modes: "+k secret" }] });
});

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function account(nick: string, settings: Record<string, unknown> = {}, overrides: Partial<IrcAccount> = {}, daemon = ircd): IrcAccount {
  return ircAccount({ host: daemon.host, port: daemon.port, nick, channels: ["#bots"], ...settings }, overrides);
}

async function connectBot(acc: IrcAccount, opts: Parameters<typeof fakeContext>[1] = {}): Promise<{ conn: ChannelConnection; fake: FakeContext }> {
  const fake = fakeContext(acc, opts);
  const conn = await adapter.connect(fake.ctx);
  return { conn, fake };
}

const privmsgFrom = (nick: string, target?: string) => (m: IrcMessage) => m.command === "PRIVMSG" && m.nick === nick && (target === undefined || m.params[0] === target);
const joinOf = (nick: string, channel: string) => (m: IrcMessage) => m.command === "JOIN" && m.nick === nick && m.params[0]?.toLowerCase() === channel;

async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function withLogs<T>(daemon: IrcDaemon, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    (err as Error).message += `\n--- ngircd logs ---\n${daemon.logs().slice(-3000)}`;
    throw err;
  }
}

test("connects, resolves at the welcome, and joins the configured channels (one with a key)", { skip }, () =>
  withLogs(ircd, async () => {
    const alice = await connectTestClient(ircd.host, ircd.port, "alice1");
    await alice.join("#bots");
    const { conn, fake } = await connectBot(account("joiner", { channels: ["#bots", "#locked secret"] }));
    assert.equal(conn.selfId?.(), "joiner");
    await alice.waitFor(joinOf("joiner", "#bots"), { label: "the bot's JOIN" });
    await until(() => fake.statuses.some((s) => Array.isArray(s.joined) && s.joined.length === 2), "both channels joined");
    assert.ok(fake.statuses.some((s) => s.nick === "joiner" && s.server === ircd.serverName));
    const denied = alice.mark();
    alice.send("JOIN #locked");
    await alice.waitFor((m) => m.command === "475", { from: denied, label: "475 without the key" });
    assert.ok(fake.activity.count > 0, "lines count as activity");
    await conn.close();
    assert.deepEqual(await conn.closed, {});
    await alice.quit();
  }),
);

test("DMs and channel messages arrive through receive() in order, with fields and mention facts", { skip }, () =>
  withLogs(ircd, async () => {
    const alice = await connectTestClient(ircd.host, ircd.port, "alice2");
    await alice.join("#bots");
    let first = true;
    const { conn, fake } = await connectBot(account("molty"), {
      // The first message is slow to store; the next ones must still come after it.
      receive: async () => {
        if (first) (first = false), await sleep(150);
      },
    });
    await alice.waitFor(joinOf("molty", "#bots"));

    alice.privmsg("molty", "hello \x02there\x02 \x0304,01friend\x03");
    alice.privmsg("#bots", "molty: ping");
    alice.privmsg("#bots", "just chatting, moltybot is someone else");
    alice.privmsg("#bots", "\x01ACTION waves at Molty\x01");
    alice.privmsg("molty", "\x01VERSION\x01");
    alice.send("NOTICE molty :notices are not conversations");
    alice.privmsg("#bots", "last");
    const last = await fake.waitForReceived(5);
    await sleep(100);
    const got: InboundMessage[] = fake.received;
    assert.deepEqual(got.map((m) => m.text), ["hello there friend", "molty: ping", "just chatting, moltybot is someone else", "* alice2 waves at Molty", "last"]);
    assert.equal(last.text, "last");

    const [dm, mention, chat, action] = got;
    assert.equal(dm.chatType, "direct");
    assert.equal(dm.conversationId, "alice2");
    assert.deepEqual(dm.sender, { id: "alice2!~alice2@127.0.0.1", name: "alice2" });
    assert.equal(dm.accountId, "default");
    assert.equal(mention.chatType, "group");
    assert.equal(mention.conversationId, "#bots");
    assert.equal(mention.mentionedBot, true);
    assert.equal(chat.mentionedBot, false);
    assert.equal(action.mentionedBot, true);
    assert.equal(new Set(got.map((m) => m.messageId)).size, got.length, "message ids are unique");

    // A reply to the DM goes back to alice.
    const mark = alice.mark();
    await conn.sendText({ conversationId: dm.conversationId }, "hi alice2");
    const reply = await alice.waitFor(privmsgFrom("molty", "alice2"), { from: mark });
    assert.equal(reply.params[1], "hi alice2");
    await conn.close();
    await alice.quit();
  }),
);

test("a long multi-line reply arrives as several paced PRIVMSGs, each line within 512 bytes, while inbound flows", { skip }, () =>
  withLogs(ircd, async () => {
    const alice = await connectTestClient(ircd.host, ircd.port, "alice3");
    await alice.join("#bots");
    const { conn, fake } = await connectBot(account("longbot"));
    await alice.waitFor(joinOf("longbot", "#bots"));

    const words = Array.from({ length: 160 }, (_, i) => `wörd${i}✓`);
    const text = `Intro line\n\n${words.slice(0, 20).join(" ")}\n${words.slice(20).join(" ")}\n\`\`\`\ncode line\n\`\`\``;
    const mark = alice.mark();
    const started = Date.now();
    const sending = conn.sendText({ conversationId: "#bots" }, text);
    alice.privmsg("longbot", "am I heard while you talk?");
    const heard = await fake.waitForReceived(1);
    const heardAt = Date.now() - started;
    await sending;
    const sentIn = Date.now() - started;

    await until(() => alice.messages.slice(mark).filter(privmsgFrom("longbot", "#bots")).some((m) => m.params[1] === "code line"), "the whole reply");
    const lines = alice.messages.slice(mark).filter(privmsgFrom("longbot", "#bots"));
    assert.ok(lines.length >= 7, `several lines, got ${lines.length}`);
    for (const line of lines) {
      assert.ok(Buffer.byteLength(line.raw) + 2 <= 512, `relayed line of ${Buffer.byteLength(line.raw) + 2} bytes`);
      assert.ok(!line.params[1].endsWith("[CUT]"), "the server never had to cut a line");
    }
    assert.equal(lines[0].params[1], "Intro line");
    assert.equal(lines.at(-1)!.params[1], "code line", "fence lines are dropped, code kept");
    assert.deepEqual(lines.slice(1, -1).flatMap((l) => l.params[1].split(" ")), words, "every word arrives once, in order");

    assert.equal(heard.text, "am I heard while you talk?");
    assert.ok(heardAt < sentIn, `inbound (${heardAt}ms) is not held up by outbound pacing (${sentIn}ms)`);
    assert.ok(sentIn >= (lines.length - 5) * 500 - 100, `${lines.length} lines paced at ~2/s after a burst of 5 took ${sentIn}ms`);
    await conn.close();
    await alice.quit();
  }),
);

test("a reply containing CR LF QUIT, NUL or CTCP stays text; a bad target is refused; the bot stays connected", { skip }, () =>
  withLogs(ircd, async () => {
    const alice = await connectTestClient(ircd.host, ircd.port, "alice4");
    await alice.join("#bots");
    const { conn, fake } = await connectBot(account("safebot"));
    await alice.waitFor(joinOf("safebot", "#bots"));
    const mark = alice.mark();
    await conn.sendText({ conversationId: "alice4" }, "one\r\nQUIT :pwned\rJOIN #evil\0x\n\x01DCC SEND x\x01");
    await alice.waitFor((m) => privmsgFrom("safebot", "alice4")(m) && m.params[1] === "DCC SEND x", { from: mark });
    const texts = alice.messages.slice(mark).filter(privmsgFrom("safebot", "alice4")).map((m) => m.params[1]);
    assert.deepEqual(texts, ["one", "QUIT :pwned", "JOIN #evilx", "DCC SEND x"]);

    for (const bad of ["alice4\r\nQUIT :x", "alice4 #bots", "", ":alice4"]) {
      await assert.rejects(conn.sendText({ conversationId: bad }, "x"), (err: unknown) => err instanceof ChannelSendError && err.permanent);
    }
    await sleep(200);
    const after = alice.mark();
    await conn.sendText({ conversationId: "alice4" }, "still here");
    await alice.waitFor(privmsgFrom("safebot", "alice4"), { from: after });
    assert.equal(conn.selfId?.(), "safebot");
    assert.equal(await Promise.race([conn.closed.then(() => "closed"), sleep(50).then(() => "open")]), "open");
    assert.ok(!fake.statuses.some((s) => Array.isArray(s.joined) && s.joined.some((c) => String(c).toLowerCase() === "#evil")), "no JOIN was smuggled in");
    assert.ok(!alice.messages.some((m) => m.command === "QUIT" && m.nick === "safebot"), "no QUIT was smuggled in");
    await conn.close();
    await alice.quit();
  }),
);

test("a taken nick falls back to nick_, then nick__, then nick+digits; selfId and mentions follow", { skip }, () =>
  withLogs(ircd, async () => {
    const squatter = await connectTestClient(ircd.host, ircd.port, "clash");
    await squatter.join("#bots");
    const one = await connectBot(account("clash"));
    assert.equal(one.conn.selfId?.(), "clash_");
    assert.ok(one.fake.logs.some((l) => /nick clash refused .*trying clash_/.test(l)));
    assert.ok(one.fake.statuses.some((s) => s.nick === "clash_"));
    const two = await connectBot(account("clash"));
    assert.equal(two.conn.selfId?.(), "clash__");
    const three = await connectBot(account("clash"));
    assert.match(three.conn.selfId?.() ?? "", /^clash\d{3}$/);

    await squatter.waitFor(joinOf("clash_", "#bots"));
    squatter.privmsg("#bots", "clash_: are you the bot?");
    squatter.privmsg("clash_", "a DM to the fallback nick");
    await one.fake.waitForReceived(2);
    assert.equal(one.fake.received[0].mentionedBot, true);
    assert.equal(one.fake.received[1].chatType, "direct");
    const twoGot = await two.fake.waitForReceived(1);
    assert.equal(twoGot.mentionedBot, false, "clash_ is not clash__");
    for (const bot of [one, two, three]) await bot.conn.close();
    await squatter.quit();
  }),
);

test("kicked from a configured channel, the bot rejoins after a short delay", { skip }, () =>
  withLogs(ircd, async () => {
    const op = await connectTestClient(ircd.host, ircd.port, "chanop");
    await op.join("#kickme"); // a new channel: its first member is its operator
    const { conn, fake } = await connectBot(account("kickbot", { channels: ["#kickme"] }, { rejoinDelayMs: 100 }));
    await op.waitFor(joinOf("kickbot", "#kickme"));
    const mark = op.mark();
    op.send("KICK #kickme kickbot :out you go");
    await op.waitFor(joinOf("kickbot", "#kickme"), { from: mark, label: "the rejoin" });
    assert.ok(fake.logs.some((l) => /kicked from #kickme \(out you go\); rejoining/.test(l)));
    await conn.close();
    await op.quit();
  }),
);

test("NickServ identification is sent after the welcome and the password is never logged", { skip }, () =>
  withLogs(ircd, async () => {
    const nickserv = await connectTestClient(ircd.host, ircd.port, "NickServ");
    const password = "hunter2-very-secret";
    const { conn, fake } = await connectBot(account("identbot", { nickserv: { password } }));
    const identify = await nickserv.waitFor(privmsgFrom("identbot", "NickServ"), { label: "IDENTIFY" });
    assert.equal(identify.params[1], `IDENTIFY ${password}`);
    nickserv.privmsg("identbot", "You are now identified");
    await sleep(200);
    assert.equal(fake.received.length, 0, "NickServ's messages are not conversations");
    assert.ok(fake.logs.some((l) => /identifying to NickServ/.test(l)));
    assert.ok(!fake.logs.some((l) => l.includes(password)), fake.logs.join("\n"));
    await conn.close();
    await nickserv.quit();
  }),
);

test("our own PINGs keep traffic flowing on an idle link", { skip }, () =>
  withLogs(ircd, async () => {
    const { conn, fake } = await connectBot(account("pingbot", { channels: [], pingIntervalMs: 100 }));
    await sleep(300);
    const before = fake.activity.count;
    await sleep(700);
    assert.ok(fake.activity.count - before >= 4, `the server's PONGs count as activity (${fake.activity.count - before} lines in 700 ms)`);
    assert.equal(adapter.silentAfterMs, 150_000);
    await conn.close();
  }),
);

test("aborting the signal closes the connection cleanly with QUIT", { skip }, () =>
  withLogs(ircd, async () => {
    const alice = await connectTestClient(ircd.host, ircd.port, "alice5");
    await alice.join("#bots");
    const { conn, fake } = await connectBot(account("abortbot"));
    await alice.waitFor(joinOf("abortbot", "#bots"));
    fake.abort.abort();
    assert.deepEqual(await conn.closed, {});
    const quit = await alice.waitFor((m) => m.command === "QUIT" && m.nick === "abortbot");
    assert.match(quit.params[0] ?? "", /bye/);
    await assert.rejects(conn.sendText({ conversationId: "alice5" }, "too late"), ChannelSendError);
    await alice.quit();
  }),
);

test("connect rejects with a clear error on a refused port and on an already aborted signal", { skip }, async () => {
  const closed = await startIrcDaemon();
  const port = closed.port;
  await closed.stop();
  const fake = fakeContext(ircAccount({ host: "127.0.0.1", port, nick: "nobody" }));
  await assert.rejects(adapter.connect(fake.ctx), /IRC connection to 127\.0\.0\.1:\d+ refused/);

  const aborted = fakeContext(account("aborted"));
  aborted.abort.abort();
  await assert.rejects(adapter.connect(aborted.ctx), /aborted/);
});

test("killing the daemon makes closed resolve with an error", { skip }, async () => {
  const own = await startIrcDaemon({ channels: ["#bots"] });
  await withLogs(own, async () => {
    const { conn } = await connectBot(account("victim", {}, {}, own));
    await own.kill();
    const end = await conn.closed;
    assert.ok(end.error, `closed with ${JSON.stringify(end)}`);
    await assert.rejects(conn.sendText({ conversationId: "#bots" }, "anyone?"), ChannelSendError);
    await conn.close();
  });
});

test("a server password: the wrong one rejects connect before the welcome, the right one connects", { skip }, async () => {
  const guarded = await startIrcDaemon({ password: "letmein" });
  await withLogs(guarded, async () => {
    const wrong = fakeContext(account("pwbot", { channels: [], password: "wrong" }, {}, guarded));
    await assert.rejects(adapter.connect(wrong.ctx), /refused us before the welcome: .*password/i);
    const { conn } = await connectBot(account("pwbot", { channels: [], password: "letmein" }, {}, guarded));
    assert.equal(conn.selfId?.(), "pwbot");
    await conn.close();
  });
});
