/**
 * Proves the IRC test infrastructure (./ngircd.ts, ./irc-test-client.ts) against a real ngIRCd:
 * registration, channel and direct messages, a SIGKILL + restart on the same port, and the
 * 512-byte line limit. Skipped with a clear reason where ngircd is not installed.
 */
import assert from "node:assert/strict";
import { createConnection } from "node:net";
import { test } from "node:test";
import { connectIrc } from "./irc-test-client.js";
import { ircAvailable, startIrcDaemon, type IrcDaemon } from "./ngircd.js";

const irc = ircAvailable();
const skip = irc.ok ? false : irc.reason;

const CHANNEL = "#openclaw";

function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    const done = (value: boolean) => (socket.destroy(), resolve(value));
    socket.setTimeout(1000, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

const privmsgFrom = (nick: string, target: string, text: string) => (m: { nick?: string; command: string; params: string[] }) =>
  m.command === "PRIVMSG" && m.nick === nick && m.params[0] === target && m.params[1] === text;

async function withLogs<T>(ircd: IrcDaemon, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    (err as Error).message += `\n--- ngircd logs ---\n${ircd.logs()}`;
    throw err;
  }
}

test("ngircd starts on a free loopback port and relays channel messages and DMs", { skip }, async () => {
  const ircd = await startIrcDaemon({ channels: [{ name: CHANNEL, topic: "openclaw tests" }] });
  await withLogs(ircd, async () => {
    assert.equal(ircd.host, "127.0.0.1");
    assert.ok(ircd.port > 1024 && ircd.running && ircd.pid > 0);

    const alice = await connectIrc(ircd.host, ircd.port, "alice");
    const bob = await connectIrc(ircd.host, ircd.port, "bob-the-bot"); // longer than RFC 2812's 9 chars
    const welcome = alice.messages.find((m) => m.command === "001")!;
    assert.equal(welcome.prefix, ircd.serverName, "the fixed server name prefixes server replies");
    assert.ok(!alice.lines.some((l) => /ident|hostname/i.test(l)), "no ident/DNS notices before registration");

    // The channel is pre-defined: JOIN shows its topic.
    await alice.join(CHANNEL);
    assert.ok(alice.messages.some((m) => m.command === "332" && m.params[1] === CHANNEL && m.params[2] === "openclaw tests"));

    // bob has not joined: pre-defined channels have no +n, so outsiders may message them.
    bob.privmsg(CHANNEL, "hello channel");
    const inChannel = await alice.waitFor(privmsgFrom("bob-the-bot", CHANNEL, "hello channel"), { label: "channel message" });
    assert.equal(inChannel.prefix, "bob-the-bot!~bob-the-bot@127.0.0.1", "Ident off: \"~\" user; DNS off: the IP, not \"localhost\"");

    // A DM (PRIVMSG to a nick), both ways.
    const mark = bob.mark();
    alice.privmsg("bob-the-bot", "psst, bob");
    await bob.waitFor(privmsgFrom("alice", "bob-the-bot", "psst, bob"), { from: mark, label: "DM to bob" });
    bob.privmsg("alice", "hi alice 👋");
    await alice.waitFor(privmsgFrom("bob-the-bot", "alice", "hi alice 👋"), { label: "DM to alice" });

    // The sender does not get its own message echoed.
    assert.ok(!bob.messages.some((m) => m.command === "PRIVMSG" && m.nick === "bob-the-bot"));

    await alice.quit();
    await bob.quit();
    assert.ok(alice.isClosed && bob.isClosed);
  });
  await ircd.stop();
  assert.equal(ircd.running, false);
  assert.equal(await isListening(ircd.port), false);
});

test("ngircd can be SIGKILLed and restarted on the same port; clients reconnect", { skip }, async () => {
  const ircd = await startIrcDaemon({ channels: [CHANNEL] });
  await withLogs(ircd, async () => {
    const port = ircd.port;
    const firstPid = ircd.pid;
    const alice = await connectIrc(ircd.host, port, "alice");
    await alice.join(CHANNEL);

    await ircd.kill();
    assert.equal(ircd.running, false);
    await alice.waitForClose();
    assert.equal(await isListening(port), false, "nothing listens after SIGKILL");
    assert.ok(!alice.lines.some((l) => l.startsWith("ERROR")), "a SIGKILL gives no ERROR line, just a closed socket");

    await ircd.restart();
    assert.equal(ircd.port, port, "restart keeps the port");
    assert.notEqual(ircd.pid, firstPid);
    assert.ok(ircd.running);

    // Fresh state: the same nicks are free again and the pre-defined channel exists again.
    const alice2 = await connectIrc(ircd.host, port, "alice");
    const bob = await connectIrc(ircd.host, port, "bob");
    await alice2.join(CHANNEL);
    await bob.join(CHANNEL);
    bob.privmsg(CHANNEL, "back again");
    await alice2.waitFor(privmsgFrom("bob", CHANNEL, "back again"), { label: "message after restart" });

    // A graceful restart (SIGTERM) says goodbye to connected clients with an ERROR line.
    await ircd.restart();
    await bob.waitForClose();
    assert.ok(bob.lines.some((l) => l.startsWith("ERROR")), `ERROR on graceful shutdown:\n${bob.lines.slice(-3).join("\n")}`);
    const carol = await connectIrc(ircd.host, port, "carol");
    await carol.quit();
  });
});

/**
 * Observed ngIRCd 26.1 behaviour (RFC 2812 §2.3: 512 bytes per message including CR LF):
 * - A line of exactly 512 bytes including CR LF is accepted. When it is relayed, the server adds
 *   the sender's prefix (":nick!~user@host ") and TRUNCATES the relayed line to 510 bytes plus
 *   CR LF, replacing the end of the text with the marker "[CUT]"; the sender is not told.
 * - A line of 513 bytes or more is not truncated but rejected: the server answers
 *   "ERROR :Request too long" (after a statistics NOTICE), closes the connection, and the
 *   message is not delivered (log: "Request too long (connection N): 513 bytes (max. 512 expected)!").
 * So a sender must split text so that ":nick!user@host PRIVMSG <target> :<text>\r\n" fits in 512 bytes.
 */
test("ngircd enforces the 512-byte line limit: 512 accepted (relay truncated), 513 disconnects", { skip }, async () => {
  const ircd = await startIrcDaemon();
  await withLogs(ircd, async () => {
    const alice = await connectIrc(ircd.host, ircd.port, "alice");
    const bob = await connectIrc(ircd.host, ircd.port, "bob");

    const head = "PRIVMSG alice :";
    const fits = "a".repeat(512 - 2 - head.length);
    bob.sendRaw(`${head}${fits}\r\n`);
    const relayed = await alice.waitFor((m) => m.command === "PRIVMSG" && m.nick === "bob", { label: "the 512-byte message" });
    assert.equal(Buffer.byteLength(relayed.raw) + 2, 512, "the relayed line is cut to 512 bytes with CR LF");
    const text = relayed.params[1];
    assert.ok(text.endsWith("[CUT]"), `the server marks the cut: ...${text.slice(-20)}`);
    const kept = text.slice(0, -"[CUT]".length);
    assert.ok(fits.startsWith(kept) && kept.length < fits.length, `relayed text is a truncated prefix (${kept.length} of ${fits.length} chars)`);

    const carol = await connectIrc(ircd.host, ircd.port, "carol");
    const mark = alice.mark();
    carol.sendRaw(`${head}${"b".repeat(513 - 2 - head.length)}\r\n`);
    const error = await carol.waitFor((m) => m.command === "ERROR", { label: "ERROR for a 513-byte line" });
    assert.equal(error.params[0], "Request too long");
    await carol.waitForClose();
    const logged = /Request too long \(connection \d+\): 513 bytes \(max\. 512 expected\)/;
    for (let i = 0; i < 100 && !logged.test(ircd.logs()); i++) await new Promise((r) => setTimeout(r, 20)); // stdout is read asynchronously
    assert.match(ircd.logs(), logged);

    // Nothing from carol reached alice; alice and bob are unaffected.
    bob.privmsg("alice", "still here");
    await alice.waitFor(privmsgFrom("bob", "alice", "still here"), { from: mark, label: "message after the oversized line" });
    assert.ok(!alice.messages.slice(mark).some((m) => m.nick === "carol" && m.command === "PRIVMSG"));
  });
});

test("IrcTestClient answers server PINGs with PONG", { skip }, async () => {
  // RequireAuthPing: the server PINGs each new connection and registers it only after the PONG,
  // a real server PING without waiting for PingTimeout (ngircd's minimum is 5 s).
  const ircd = await startIrcDaemon({ extra: { Options: { RequireAuthPing: true } } });
  await withLogs(ircd, async () => {
    const client = await connectIrc(ircd.host, ircd.port, "pinger");
    const ping = client.messages.find((m) => m.command === "PING");
    assert.ok(ping, `the server sent an auth PING:\n${client.lines.join("\n")}`);
    assert.ok(client.sent.includes(`PONG :${ping.params.at(-1)}`));
    await client.quit();
  });
});
