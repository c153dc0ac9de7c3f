import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { connectIrc as connectTestClient } from "../../../test/irc/irc-test-client.js";
import { ircAvailable, startIrcDaemon } from "../../../test/irc/ngircd.js";
import { adapter } from "./index.js";
import { probeNick } from "./irc-probe.js";
import { fakeContext, ircAccount } from "./irc-test-context.js";

const irc = ircAvailable();
const skip = irc.ok ? false : irc.reason;

test("probe nicks are distinct from the bot's and short", () => {
  assert.equal(probeNick("molty"), "molty-probe");
  assert.equal(probeNick("a-very-long-bot-nickname"), "a-very-lon-probe");
  assert.ok(probeNick("a-very-long-bot-nickname").length <= 16);
});

test("probe registers under its own nick and QUITs, leaving the running connection alone", { skip }, async () => {
  const ircd = await startIrcDaemon({ serverName: "probe.openclaw.test", channels: ["#bots"] });
  const watcher = await connectTestClient(ircd.host, ircd.port, "watcher");
  await watcher.join("#bots");
  const account = ircAccount({ host: ircd.host, port: ircd.port, nick: "molty", channels: ["#bots"] });
  const fake = fakeContext(account);
  const conn = await adapter.connect(fake.ctx);

  const result = await adapter.probe!(account, 5000);
  assert.equal(result.ok, true, JSON.stringify(result));
  assert.equal(result.nick, "molty-probe");
  assert.equal(result.server, "probe.openclaw.test");
  assert.ok(typeof result.elapsedMs === "number" && result.elapsedMs >= 0 && result.elapsedMs < 5000);

  assert.equal(conn.selfId?.(), "molty", "the running connection kept its nick");
  const mark = watcher.mark();
  await conn.sendText({ conversationId: "#bots" }, "still connected");
  await watcher.waitFor((m) => m.command === "PRIVMSG" && m.nick === "molty", { from: mark });
  await conn.close();
  await watcher.quit();
});

test("probe fails without throwing against a closed port, a silent server and a bad host", async () => {
  const server = createServer((socket) => socket.on("error", () => {}));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const silentPort = (server.address() as { port: number }).port;
  const closedServer = createServer();
  await new Promise<void>((r) => closedServer.listen(0, "127.0.0.1", r));
  const closedPort = (closedServer.address() as { port: number }).port;
  await new Promise<void>((r) => closedServer.close(() => r()));

  const refused = await adapter.probe!(ircAccount({ host: "127.0.0.1", port: closedPort, nick: "molty" }), 2000);
  assert.equal(refused.ok, false);
  assert.match(refused.error ?? "", /refused/);

  const started = Date.now();
  const silent = await adapter.probe!(ircAccount({ host: "127.0.0.1", port: silentPort, nick: "molty" }), 300);
  assert.equal(silent.ok, false);
  assert.match(silent.error ?? "", /within 300 ms/);
  assert.ok(Date.now() - started < 2000);
  server.close();

  const nonsense = await adapter.probe!({ ...ircAccount({ host: "127.0.0.1", nick: "molty" }), host: "", port: -5 }, 500);
  assert.equal(nonsense.ok, false);
  assert.ok(nonsense.error);
});
