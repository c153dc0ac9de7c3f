import { test } from "node:test";
import assert from "node:assert/strict";
import { startTelegramBotApi } from "../../../test/stand-ins/telegram-bot-api.js";
import { DEFAULT_COMMAND_MENU } from "./commands.js";
import { adapter } from "./index.js";
import { accountFrom, fakeContext } from "./test-context.js";

test("the command menu is installed once; a restart with the same menu makes no setMyCommands call", async () => {
  const api = await startTelegramBotApi();
  try {
    const settings = { botToken: api.token, apiRoot: api.apiRoot, pollTimeoutSeconds: 1 };
    const state = new Map<string, string>();
    const first = await adapter.connect(fakeContext(accountFrom(settings), { state }).ctx);
    await first.close();
    assert.equal(api.callsOf("setMyCommands").length, 1);
    assert.deepEqual(api.commands.get("default"), DEFAULT_COMMAND_MENU);
    assert.ok(state.get("commandsHash"));

    const second = await adapter.connect(fakeContext(accountFrom(settings), { state }).ctx);
    await second.close();
    assert.equal(api.callsOf("setMyCommands").length, 1, "same menu, same bot: nothing to sync");

    const custom = { ...settings, commands: [{ command: "help", description: "Help" }] };
    const third = await adapter.connect(fakeContext(accountFrom(custom), { state }).ctx);
    await third.close();
    assert.equal(api.callsOf("setMyCommands").length, 2, "a changed menu is synced");
    assert.deepEqual(api.commands.get("default"), [{ command: "help", description: "Help" }]);

    const none = await adapter.connect(fakeContext(accountFrom({ ...settings, commands: false }), { state }).ctx);
    await none.close();
    assert.equal(api.callsOf("deleteMyCommands").length, 1, "an empty menu removes the bot's commands");
  } finally {
    await api.close();
  }
});

test("a 429 on setMyCommands does not fail the connection; the sync is retried at the next connect", async () => {
  const api = await startTelegramBotApi();
  try {
    const settings = { botToken: api.token, apiRoot: api.apiRoot, pollTimeoutSeconds: 1 };
    const state = new Map<string, string>();
    api.failNext("setMyCommands", { error_code: 429, description: "Too Many Requests: retry after 600", parameters: { retry_after: 600 } });
    const first = await adapter.connect(fakeContext(accountFrom(settings), { state }).ctx);
    await first.close();
    assert.equal(state.get("commandsHash"), undefined);
    const second = await adapter.connect(fakeContext(accountFrom(settings), { state }).ctx);
    await second.close();
    assert.equal(api.callsOf("setMyCommands").length, 2);
    assert.ok(state.get("commandsHash"));
  } finally {
    await api.close();
  }
});
