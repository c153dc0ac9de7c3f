/**
 * Crash safety of channel delivery with real gateway processes and the Telegram Bot API stand-in:
 * SIGKILL after an update was fetched and answered by the model but before the reply reached
 * Telegram. After a restart on the same state dir the reply is sent exactly once, the update is
 * not fetched or run again, and the model was asked once. A second case kills the gateway while
 * the model is still answering: the person still gets exactly one reply.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startProviderStandIn, type ProviderStandIn } from "../stand-ins/provider-stand-in.js";
import { startTelegramBotApi, type TelegramBotApi, type TgUser } from "../stand-ins/telegram-bot-api.js";
import { baseConfig, makeConfiguredSandbox, sleep, startGateway, useProcessCleanup, waitUntil, type ConfiguredSandbox } from "./process-harness.js";

useProcessCleanup();

const dave: TgUser = { id: 3001, first_name: "Dave" };
let standIn: ProviderStandIn;
const apis: TelegramBotApi[] = [];

before(async () => {
  standIn = await startProviderStandIn();
});

after(async () => {
  await Promise.all(apis.map((a) => a.close()));
  await standIn.close();
});

async function setup(): Promise<{ api: TelegramBotApi; sandbox: ConfiguredSandbox }> {
  const api = await startTelegramBotApi({ token: `${apis.length + 7}00:CRASH${Date.now()}` });
  apis.push(api);
  const sandbox = await makeConfiguredSandbox({
    config: (port, token, logFile) => ({
      ...baseConfig(port, token, logFile),
      agents: { defaults: { model: { primary: "mock/echo" } } },
      models: { providers: { mock: { baseUrl: `${standIn.url}/v1`, apiKey: "mock-local", api: "openai-completions", models: [{ id: "echo", contextWindow: 32000 }] } } },
      channels: { telegram: { botToken: api.token, apiRoot: api.apiRoot, pollTimeoutSeconds: 1, dmPolicy: "open", allowFrom: ["*"] } },
    }),
    beforeConfig: (sb) => {
      for (const key of ["OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENROUTER_API_KEY", "TELEGRAM_BOT_TOKEN"]) delete sb.env[key];
    },
  });
  return { api, sandbox };
}

const modelCalls = (needle: string) => standIn.requests.filter((r) => r.method === "POST" && r.path.endsWith("/chat/completions") && JSON.stringify(r.body ?? "").includes(needle)).length;
const repliesWith = (api: TelegramBotApi, needle: string) => (api.sent.get(String(dave.id)) ?? []).filter((m) => m.text.includes(needle));
const attemptsWith = (api: TelegramBotApi, needle: string) => api.callsOf("sendMessage").filter((c) => String(c.params.text ?? "").includes(needle));

test("SIGKILL after the update was fetched and answered but before the reply was sent: one reply after the restart, the update not run twice", async () => {
  const { api, sandbox } = await setup();
  const first = await startGateway(sandbox.sb.env, [], sandbox.port);
  await waitUntil(() => api.callsOf("getUpdates").length > 0, 15_000, "polling");
  const release = api.hold("sendMessage");
  const word = `crash${Date.now()}`;
  const update = api.injectMessage({ chat: { id: dave.id, type: "private" }, from: dave, text: `${word} are you there` });
  await waitUntil(() => attemptsWith(api, word).length === 1, 15_000, "the reply to be in flight");
  await first.stop("SIGKILL");
  release();

  const pollsBefore = api.callsOf("getUpdates").length;
  const second = await startGateway(sandbox.sb.env, [], sandbox.port);
  await waitUntil(() => repliesWith(api, word).length > 0, 15_000, "the reply after the restart");
  await waitUntil(() => api.callsOf("getUpdates").length > pollsBefore + 1, 10_000, "polling after the restart");
  await sleep(1000);
  assert.equal(repliesWith(api, word).length, 1, "the reply reached Telegram exactly once");
  assert.equal(attemptsWith(api, word).length, 2, "one attempt lost with the killed process, one delivered");
  assert.equal(modelCalls(word), 1, "the model was asked once");
  const firstPollAfter = api.callsOf("getUpdates")[pollsBefore];
  assert.ok(Number(firstPollAfter.params.offset) > update.update_id, "the restarted gateway does not fetch the update again");
  await second.stop("SIGTERM");
});

test("SIGKILL while the model is answering: after the restart the person gets exactly one reply", async () => {
  const { api, sandbox } = await setup();
  const first = await startGateway(sandbox.sb.env, [], sandbox.port);
  await waitUntil(() => api.callsOf("getUpdates").length > 0, 15_000, "polling");
  const word = `midrun${Date.now()}`;
  api.injectMessage({ chat: { id: dave.id, type: "private" }, from: dave, text: `${word} MARK:slow:400` });
  await waitUntil(() => modelCalls(word) === 1, 15_000, "the model call");
  await sleep(300);
  await first.stop("SIGKILL");
  assert.equal(repliesWith(api, "echo:").length, 0, "nothing was sent before the kill");

  const second = await startGateway(sandbox.sb.env, [], sandbox.port);
  // The stand-in echoes what follows the last marker: "echo: slow:400".
  await waitUntil(() => repliesWith(api, "echo:").length > 0, 30_000, "the reply after the restart");
  await sleep(1500);
  assert.deepEqual(repliesWith(api, "echo:").map((m) => m.text), ["echo: slow:400"], "exactly one reply, the whole answer");
  await second.stop("SIGTERM");
});
