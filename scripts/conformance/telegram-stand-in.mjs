#!/usr/bin/env node
// Usage: node telegram-stand-in.mjs <bot token>
// Runs the tests' Telegram Bot API stand-in (dist/test/stand-ins/telegram-bot-api.js, built by `npm run build`)
// as a standalone process on a free loopback port, for the conformance script (check 11).
//
// stdout, one JSON object per line:
//   {"event":"listening","apiRoot":"http://127.0.0.1:<port>","port":<port>,"bot":{...}}   once, first
//   {"event":"call","method":"<method>","params":{...}}        every Bot API call except getUpdates (polling noise)
//   {"event":"sent","chat_id":"<id>","message_id":<n>,"text":"...","message_thread_id"?:<n>}   every message sent
// Runs until SIGTERM/SIGINT, then closes the server and exits 0.
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const token = process.argv[2];
if (!token) {
  process.stderr.write("usage: telegram-stand-in.mjs <bot token>\n");
  process.exit(2);
}

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const { startTelegramBotApi } = await import(pathToFileURL(resolve(repo, "dist/test/stand-ins/telegram-bot-api.js")).href);

const api = await startTelegramBotApi({ token, bot: { first_name: "Conformance Bot", username: "conformance_bot" } });
const emit = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);
emit({ event: "listening", apiRoot: api.apiRoot, port: api.port, bot: api.bot });

// The stand-in has no event hooks: poll its recorded calls and sent messages and report what is new.
let callsSeen = 0;
const sentSeen = new Map(); // chat id -> number of messages reported
function report() {
  for (; callsSeen < api.calls.length; callsSeen++) {
    const { method, params } = api.calls[callsSeen];
    if (method !== "getUpdates") emit({ event: "call", method, params });
  }
  for (const [chatId, list] of api.sent) {
    for (let i = sentSeen.get(chatId) ?? 0; i < list.length; i++) {
      const m = list[i];
      emit({
        event: "sent",
        chat_id: chatId,
        message_id: m.message_id,
        text: m.text,
        ...(m.message_thread_id !== undefined ? { message_thread_id: m.message_thread_id } : {}),
      });
    }
    sentSeen.set(chatId, list.length);
  }
}
const timer = setInterval(report, 20);

let closing = false;
async function shutdown() {
  if (closing) return;
  closing = true;
  clearInterval(timer);
  report();
  await api.close().catch(() => {});
  process.exit(0);
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
