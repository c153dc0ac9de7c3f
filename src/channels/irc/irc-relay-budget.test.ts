/**
 * The reply budget against a fake server that gives the bot a very long host: every PRIVMSG,
 * with the `:nick!user@host ` prefix the server would put in front of it, still fits 512 bytes.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { adapter } from "./index.js";
import { fakeServer } from "./irc-fake-server.js";
import { fakeContext, ircAccount } from "./irc-test-context.js";

test("replies are split for the bot's real relay prefix when it is longer than the usual margin", async () => {
  const mask = `longbot!~longbot@${"cloaked-".repeat(20)}example`;
  const server = await fakeServer((line, socket) => {
    if (line.startsWith("USER ")) socket.write(":fake.server 001 longbot :Welcome\r\n");
    if (line.startsWith("JOIN ")) socket.write(`:${mask} JOIN ${line.slice(5)}\r\n`);
  });
  const account = ircAccount({ host: "127.0.0.1", port: server.port, nick: "longbot", channels: ["#bots"] });
  const fake = fakeContext(account);
  const conn = await adapter.connect(fake.ctx);
  for (let i = 0; i < 100 && !fake.statuses.some((s) => Array.isArray(s.joined)); i++) await new Promise((r) => setTimeout(r, 10));
  await conn.sendText({ conversationId: "#bots" }, "é".repeat(600));
  const privmsgs = () => server.lines.filter((l) => l.startsWith("PRIVMSG #bots :"));
  const text = () => privmsgs().map((l) => l.slice("PRIVMSG #bots :".length)).join("");
  for (let i = 0; i < 100 && text().length < 600; i++) await new Promise((r) => setTimeout(r, 10));
  const sent = privmsgs();
  assert.ok(sent.length >= 3);
  for (const line of sent) assert.ok(Buffer.byteLength(`:${mask} ${line}\r\n`) <= 512, `${Buffer.byteLength(`:${mask} ${line}\r\n`)} bytes relayed`);
  assert.equal(text(), "é".repeat(600));
  await conn.close();
  await server.close();
});
