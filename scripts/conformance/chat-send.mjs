#!/usr/bin/env node
// Usage: node chat-send.mjs <ws-url> <token> <message>
// Connects like the Control UI's chat, sends one chat.send and prints {ack, deltas, final, history}
// as JSON once the `chat` final for that run arrived (exit 1 on an error or aborted state, or after 60 s).
import { randomUUID } from "node:crypto";
import { GatewayClient } from "../../dist/src/client/gateway-client.js";

const [url, token, message] = process.argv.slice(2);
const client = await GatewayClient.connect({ url, token, scopes: ["operator.read", "operator.write"], clientMode: "webchat", clientId: "webchat-ui" });
const runId = randomUUID();
let deltas = 0;
const done = new Promise((resolve, reject) => {
  client.onEvent((event) => {
    if (event.event !== "chat" || event.payload?.runId !== runId) return;
    if (event.payload.state === "delta") deltas++;
    else if (event.payload.state === "final") resolve(event.payload);
    else if (event.payload.state === "error" || event.payload.state === "aborted") reject(new Error(`chat ${event.payload.state}: ${event.payload.errorMessage ?? ""}`));
  });
  setTimeout(() => reject(new Error("no chat final within 60 s")), 60_000).unref();
});
try {
  const ack = await client.request("chat.send", { sessionKey: "agent:main:main", message, idempotencyKey: runId });
  const final = await done;
  const history = await client.request("chat.history", { sessionKey: "agent:main:main", limit: 20 });
  process.stdout.write(JSON.stringify({ ack, deltas, final, history: history.messages }) + "\n");
  await client.close();
} catch (err) {
  process.stderr.write(`${err.message}\n`);
  await client.close();
  process.exit(1);
}
