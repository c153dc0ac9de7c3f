import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Socket } from "node:net";
import { startTelegramBotApi } from "../../../test/stand-ins/telegram-bot-api.js";
import { adapter } from "./index.js";
import { accountFrom } from "./test-context.js";

test("probe: getMe answers ok with the bot's id and username", async () => {
  const api = await startTelegramBotApi({ bot: { id: 5150, username: "probe_bot" } });
  try {
    const result = await adapter.probe!(accountFrom({ botToken: api.token, apiRoot: api.apiRoot }), 2000);
    assert.equal(result.ok, true);
    assert.deepEqual(result.bot, { id: 5150, username: "probe_bot" });
    assert.equal(typeof result.elapsedMs, "number");
  } finally {
    await api.close();
  }
});

test("probe: a refused token says so", async () => {
  const api = await startTelegramBotApi();
  try {
    const result = await adapter.probe!(accountFrom({ botToken: "1:nope", apiRoot: api.apiRoot }), 2000);
    assert.equal(result.ok, false);
    assert.match(result.error ?? "", /refused the bot token/);
  } finally {
    await api.close();
  }
});

test("probe never throws: no token, nothing listening, or an API that never answers", async () => {
  const missing = await adapter.probe!({ ...accountFrom({ botToken: "1:a" }), token: undefined }, 500);
  assert.equal(missing.ok, false);
  const refused = await adapter.probe!(accountFrom({ botToken: "1:a", apiRoot: "http://127.0.0.1:1" }), 500);
  assert.equal(refused.ok, false);
  assert.ok(!(refused.error ?? "").includes("1:a"), refused.error);
  const sockets: Socket[] = [];
  const silent = createServer((s) => void sockets.push(s));
  await new Promise<void>((r) => silent.listen(0, "127.0.0.1", () => r()));
  try {
    const port = (silent.address() as { port: number }).port;
    const started = Date.now();
    const hung = await adapter.probe!(accountFrom({ botToken: "1:a", apiRoot: `http://127.0.0.1:${port}` }), 300);
    assert.equal(hung.ok, false);
    assert.match(hung.error ?? "", /timed out after 300 ms/);
    assert.ok(Date.now() - started < 2000);
  } finally {
    for (const s of sockets) s.destroy();
    silent.close();
  }
});
