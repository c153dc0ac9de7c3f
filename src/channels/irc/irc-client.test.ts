/**
 * IrcClient against fake servers on loopback (plain TCP and TLS): the exact registration lines,
 * nick refusal, ERROR, timeouts, refused ports, certificates, and hostile input after the welcome.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer as createTlsServer } from "node:tls";
import { IrcClient, type IrcClientOptions } from "./irc-client.js";
import { fakeServer, welcoming } from "./irc-fake-server.js";
import type { IrcLine } from "./irc-parse.js";

function options(port: number, more: Partial<IrcClientOptions> = {}): IrcClientOptions {
  return { host: "127.0.0.1", port, tls: false, tlsInsecure: false, nick: "molty", username: "molty", realname: "OpenClaw", connectTimeoutMs: 3000, ...more };
}

async function closedPort(): Promise<number> {
  const server = await fakeServer();
  await server.close();
  return server.port;
}

test("registration sends PASS, NICK and USER in order and resolves at 001", async () => {
  const server = await fakeServer(welcoming());
  const client = new IrcClient(options(server.port, { password: "pass word" }));
  const welcome = await client.welcomed;
  assert.deepEqual(welcome, { nick: "molty", server: "fake.server" });
  assert.deepEqual(server.lines, ["PASS :pass word", "NICK molty", "USER molty 0 * :OpenClaw"]);
  assert.equal(client.registered, true);
  await client.quit("bye");
  assert.equal(server.lines.at(-1), "QUIT :bye");
  assert.deepEqual(await client.closed, {}, "our own QUIT is a clean end");
  await server.close();
});

test("a server PING during registration is answered, and the nick the server welcomes is ours", async () => {
  const server = await fakeServer((line, socket) => {
    if (line.startsWith("USER ")) socket.write("PING :check-1\r\n");
    if (line === "PONG :check-1") socket.write(":fake.server 001 Molty-Truncated :Welcome\r\n");
  });
  const client = new IrcClient(options(server.port));
  assert.equal((await client.welcomed).nick, "Molty-Truncated");
  assert.equal(client.nick, "Molty-Truncated");
  client.destroy();
  await server.close();
});

test("taken nicks fall back to nick_, nick__, nick+digits; all refused gives up with a clear error", async () => {
  const tried: string[] = [];
  const server = await fakeServer((line, socket) => {
    if (!line.startsWith("NICK ")) return;
    const nick = line.slice(5);
    tried.push(nick);
    if (tried.length <= 3) socket.write(`:fake.server 433 * ${nick} :Nickname already in use\r\n`);
    else socket.write(`:fake.server 001 ${nick} :Welcome\r\n`);
  });
  const retries: string[] = [];
  const client = new IrcClient(options(server.port, { onNickRetry: (_refused, next) => retries.push(next) }));
  const { nick } = await client.welcomed;
  assert.deepEqual(tried.slice(0, 3), ["molty", "molty_", "molty__"]);
  assert.match(nick, /^molty\d{3}$/);
  assert.deepEqual(retries, tried.slice(1));
  client.destroy();
  await server.close();

  const stubborn = await fakeServer((line, socket) => {
    if (line.startsWith("NICK ")) socket.write(`:fake.server 433 * ${line.slice(5)} :Nickname already in use\r\n`);
  });
  const refused = new IrcClient(options(stubborn.port));
  await assert.rejects(refused.welcomed, /nick molty and 7 alternatives were refused/);
  assert.equal(stubborn.lines.filter((l) => l.startsWith("NICK ")).length, 8);
  assert.ok((await refused.closed).error);
  await stubborn.close();
});

test("an erroneous nick, a bad password or an ERROR before the welcome reject connect with the reason", async () => {
  const cases: Array<[string, RegExp]> = [
    [":fake.server 432 * molty :Erroneous nickname", /refused the nick molty: Erroneous nickname/],
    [":fake.server 464 * :Password incorrect", /password rejected: Password incorrect/],
    ["ERROR :Closing link: 127.0.0.1 (K-lined)", /refused us before the welcome: Closing link: 127.0.0.1 \(K-lined\)/],
  ];
  for (const [answer, expected] of cases) {
    const server = await fakeServer((line, socket) => {
      if (line.startsWith("USER ")) socket.write(`${answer}\r\n`);
    });
    const client = new IrcClient(options(server.port));
    await assert.rejects(client.welcomed, expected);
    assert.match((await client.closed).error ?? "", expected);
    await server.close();
  }
});

test("a server that never welcomes us times out; a closed port is refused", async () => {
  const silent = await fakeServer();
  const started = Date.now();
  const client = new IrcClient(options(silent.port, { connectTimeoutMs: 300 }));
  await assert.rejects(client.welcomed, /did not welcome us within 300 ms/);
  assert.ok(Date.now() - started < 2000);
  await silent.close();

  const refused = new IrcClient(options(await closedPort()));
  await assert.rejects(refused.welcomed, /refused/);
  assert.match((await refused.closed).error ?? "", /refused/);
});

test("the server closing after the welcome, or sending ERROR, ends the connection with an error", async () => {
  const server = await fakeServer(welcoming());
  const client = new IrcClient(options(server.port));
  await client.welcomed;
  server.sockets[0].end("ERROR :Closing Link: molty (Killed (oper (go away)))\r\n");
  assert.deepEqual(await client.closed, { error: "IRC server closed the link: Closing Link: molty (Killed (oper (go away)))" });
  await assert.rejects(client.send("PRIVMSG x :late"), /closed/);

  const client2 = new IrcClient(options(server.port));
  await client2.welcomed;
  server.sockets[1].destroy();
  assert.match((await client2.closed).error ?? "", /closed the connection|reset/);
  await server.close();
});

test("hostile input after the welcome: oversized and malformed lines are skipped, the link stays up", async () => {
  const server = await fakeServer(
    welcoming((socket) => {
      socket.write(`:evil!u@h PRIVMSG molty :${"A".repeat(20_000)}\r\n`);
      socket.write(":only-a-prefix\r\n\r\n@tags-only\r\n:p 12345 x\r\n\x00\x01\x02\r\n");
      socket.write(":evil!u@h THROW me\r\n");
      socket.write(Buffer.from([0xff, 0xfe, 0x0d, 0x0a]));
      socket.write("PING :still-alive\r\n:friend!u@h PRIVMSG molty :after the storm\r\n");
    }),
  );
  const seen: IrcLine[] = [];
  const dropped: number[] = [];
  const errors: string[] = [];
  let activity = 0;
  const client = new IrcClient(
    options(server.port, {
      onActivity: () => activity++,
      onDroppedLine: () => dropped.push(1),
      onLineError: (err) => errors.push(err.message),
      onMessage: (line) => {
        if (line.command === "THROW") throw new Error("handler bug");
        seen.push(line);
      },
    }),
  );
  await client.welcomed;
  for (let i = 0; i < 100 && !(seen.some((l) => l.command === "PRIVMSG") && server.lines.includes("PONG :still-alive")); i++) await new Promise((r) => setTimeout(r, 20));
  const privmsgs = seen.filter((l) => l.command === "PRIVMSG");
  assert.deepEqual(privmsgs.map((l) => l.params[1]), ["after the storm"]);
  assert.equal(dropped.length, 1, "the 20 KB line was dropped");
  assert.deepEqual(errors, ["handler bug"]);
  assert.ok(server.lines.includes("PONG :still-alive"));
  assert.ok(activity >= 5);
  assert.equal(client.isOpen, true);
  await client.quit("bye");
  await server.close();
});

test("lines carrying CR, LF or NUL, or over 512 bytes, are never written", async () => {
  const server = await fakeServer(welcoming());
  const client = new IrcClient(options(server.port));
  await client.welcomed;
  await assert.rejects(client.send("PRIVMSG x :a\r\nQUIT :pwned"), /CR, LF or NUL/);
  await assert.rejects(client.send("PRIVMSG x :a\0b"), /CR, LF or NUL/);
  await assert.rejects(client.send(`PRIVMSG x :${"a".repeat(520)}`), /512 bytes/);
  assert.equal(client.sendNow("PRIVMSG x :b\nQUIT"), false);
  await client.send("PRIVMSG x :fine");
  await client.quit("bye");
  assert.deepEqual(server.lines.slice(2), ["PRIVMSG x :fine", "QUIT :bye"]);
  await server.close();
});

const openssl = spawnSync("openssl", ["version"]).status === 0;

test("TLS: a self-signed certificate is refused unless tlsInsecure is set", { skip: openssl ? false : "openssl is not installed (needed to make a test certificate)" }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "ocgw-irc-tls-"));
  try {
    const made = spawnSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-days", "1", "-subj", "/CN=localhost"], { stdio: "ignore" });
    assert.equal(made.status, 0, "openssl made a certificate");
    const tlsServer = createTlsServer({ key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) });
    const server = await fakeServer(welcoming(), tlsServer);

    const strict = new IrcClient(options(server.port, { tls: true }));
    await assert.rejects(strict.welcomed, /TLS certificate of 127\.0\.0\.1:\d+ rejected: .*tlsInsecure/);

    const insecure = new IrcClient(options(server.port, { tls: true, tlsInsecure: true }));
    assert.equal((await insecure.welcomed).server, "fake.server");
    await insecure.quit("bye");
    assert.ok(server.lines.includes("NICK molty"));

    const plainToTls = new IrcClient(options(server.port, { connectTimeoutMs: 500 }));
    await assert.rejects(plainToTls.welcomed);
    await server.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("after the welcome the client follows its nick and learns its mask from its own JOIN", async () => {
  const server = await fakeServer(
    welcoming((socket) => {
      socket.write(":someone!u@h NICK :other\r\n");
      socket.write(":molty!~molty@127.0.0.1 NICK :molty2\r\n");
      socket.write(":molty2!~molty@cloak.example JOIN #bots\r\n");
    }),
  );
  const client = new IrcClient(options(server.port));
  await client.welcomed;
  for (let i = 0; i < 100 && !client.selfMask; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(client.nick, "molty2");
  assert.equal(client.selfMask, "molty2!~molty@cloak.example");
  await client.quit("bye");
  await server.close();
});
