/**
 * The Control UI's Chat and Approvals pages in a real browser (Debian Chromium via playwright-core)
 * against an in-process gateway whose model is the provider stand-in: a reply streams into an
 * assistant message, a tool call shows as a tool card, Stop ends a slow reply long before it would
 * have finished, and an ask:always command waits on the Approvals page until "Allow once" lets it run.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { closeBrowser, newPage, screenshot } from "../browser/browser.js";
import { TEST_TOKEN, startFileGateway } from "./harness.js";
import { ADMIN_SCOPES, callsWith, chatEnd, client, historyOf, providerFor, sendChat, startStandIn, tag, transcriptLines } from "./agent-harness.js";

after(closeBrowser);
const standIn = await startStandIn();
const gw = await startFileGateway({
  extraConfig: {
    agents: {
      defaults: { model: { primary: "mock/echo" } },
      entries: {
        main: { default: true, tools: { exec: { security: "full", ask: "off" } } },
        asker: { tools: { exec: { security: "full", ask: "always" } } },
      },
    },
    models: { providers: { mock: providerFor(standIn) } },
  },
});

const tid = (id: string) => `[data-testid="${id}"]`;
const script = (steps: Array<{ name: string; args: Record<string, unknown> }>, word: string) => `do it ${word} MARK:script ${JSON.stringify(steps)}`;

/** Opens the chat page of one session and waits until the page is connected and the transcript loaded. */
async function openChat(page: Page, sessionKey: string): Promise<void> {
  await page.goto(`${gw.httpUrl}/chat/${encodeURIComponent(sessionKey)}#token=${TEST_TOKEN}`);
  await page.locator(`${tid("connection-status")}[data-phase="connected"]`).waitFor({ timeout: 10_000 });
  await page.locator(tid("page-chat")).waitFor({ timeout: 5000 });
  await page.locator(tid("chat-messages")).waitFor({ timeout: 5000 });
  await page.getByText("Loading the conversation…").waitFor({ state: "hidden", timeout: 5000 });
}

async function send(page: Page, text: string): Promise<void> {
  await page.locator(tid("chat-input")).fill(text);
  await page.locator(tid("chat-send")).click();
}

test("chat: a message gets the stand-in's reply streamed into an assistant message; an exec call shows a tool card", async () => {
  const { page, context, consoleErrors } = await newPage();
  const word = tag();
  const session = `agent:main:ui-${word}`;
  await openChat(page, session);

  // 12 words, 120 ms apart: the reply takes ~1.5 s, so its growing text can be seen before it ends.
  await send(page, `MARK:slow:120 stream ${word} alpha beta gamma delta epsilon zeta eta theta iota`);
  await page.locator(`${tid("chat-message")}[data-role="user"]`, { hasText: `stream ${word}` }).waitFor({ timeout: 5000 });
  const assistant = page.locator(`${tid("chat-message")}[data-role="assistant"]`, { hasText: word });
  const partial = await page.waitForFunction(
    (w) => {
      for (const el of document.querySelectorAll('[data-testid="chat-message"][data-role="assistant"].pending')) {
        const text = el.textContent ?? "";
        if (text.includes(`echo:`) && text.includes(w) && !text.includes("iota")) return text;
      }
      return null;
    },
    word,
    { timeout: 5000, polling: 20 },
  );
  assert.doesNotMatch(String(await partial.jsonValue()), /iota/, "part of the reply was shown while it streamed");
  await assistant.filter({ hasText: "iota" }).waitFor({ timeout: 8000 });
  await page.locator(`${tid("chat-message")}[data-role="assistant"].pending`).waitFor({ state: "detached", timeout: 5000 });
  assert.match(await assistant.innerText(), new RegExp(`echo: slow:120 stream ${word} alpha beta gamma delta epsilon zeta eta theta iota`));
  assert.equal(await page.locator(tid("chat-abort")).count(), 0, "no Stop button once the run ended");

  // A tool round: the model calls exec, the card shows it, the answer quotes the command's output.
  await send(page, script([{ name: "exec", args: { command: `echo tool-out-${word}` } }], word));
  const card = page.locator(tid("tool-card"), { hasText: "exec" });
  await card.waitFor({ timeout: 8000 });
  assert.equal(await card.getAttribute("data-tool-name"), "exec");
  await page.locator(`${tid("chat-message")}[data-role="assistant"]`, { hasText: `script done: tool-out-${word}` }).waitFor({ timeout: 8000 });
  await card.getByRole("button").click();
  await card.getByText(`tool-out-${word}`).first().waitFor({ timeout: 3000 });
  assert.match(await card.innerText(), /Arguments[\s\S]*echo tool-out-/, "the opened card shows the command");
  assert.equal(await page.locator(`${tid("chat-message")}[data-role="tool"]`).count(), 1, "one tool row");
  await screenshot(page, "chat-tool-1280");

  // The gateway's transcript agrees with what the page shows.
  const c = await client(gw.url, ADMIN_SCOPES);
  const history = await historyOf(c, session);
  const lines = transcriptLines(history.messages);
  assert.ok(lines.some((l) => l.startsWith("assistant: echo: slow:120") && l.includes("iota")), lines.join("\n"));
  assert.ok(lines.some((l) => l.startsWith(`assistant: script done: tool-out-${word}`)), lines.join("\n"));
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test("chat: Stop ends a slow streamed reply long before it would have finished", async () => {
  const { page, context, consoleErrors } = await newPage();
  const word = tag();
  const session = `agent:main:abort-${word}`;
  await openChat(page, session);
  // The long answer is 48 deltas; 250 ms apart it would take ~12 s.
  await send(page, `tell me everything ${word} MARK:long MARK:slow:250`);
  const abort = page.locator(tid("chat-abort"));
  await abort.waitFor({ timeout: 5000 });
  await page.locator(`${tid("chat-message")}[data-role="assistant"]`, { hasText: "Paragraph 1." }).waitFor({ timeout: 5000 });
  const clicked = Date.now();
  await abort.click();
  await abort.waitFor({ state: "detached", timeout: 4000 });
  await page.getByRole("status").filter({ hasText: /^Stopped/ }).waitFor({ timeout: 3000 });
  const tookMs = Date.now() - clicked;
  assert.ok(tookMs < 3000, `the run ended ${tookMs} ms after Stop`);
  await screenshot(page, "chat-stopped-1280");

  const c = await client(gw.url, ADMIN_SCOPES);
  const history = await historyOf(c, session);
  const text = transcriptLines(history.messages).join("\n");
  assert.doesNotMatch(text, /Paragraph 10\./, "the reply was cut short");
  const call = callsWith(standIn, `tell me everything ${word}`);
  assert.equal(call.length, 1);
  await standIn.waitFor(() => call[0].clientClosedEarly, 3000);
  assert.equal(await page.locator(`${tid("chat-message")}[data-role="assistant"]`, { hasText: "Paragraph 10." }).count(), 0);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test("approvals: an ask:always command appears live on the Approvals page; Allow once lets it run", async () => {
  const { page, context, consoleErrors } = await newPage();
  await page.goto(`${gw.httpUrl}/approvals#token=${TEST_TOKEN}`);
  await page.locator(`${tid("connection-status")}[data-phase="connected"]`).waitFor({ timeout: 10_000 });
  await page.locator(tid("approvals-empty")).waitFor({ timeout: 5000 });

  const owner = await client(gw.url, ["operator.read", "operator.write"]);
  const word = tag();
  const session = `agent:asker:ui-approve-${word}`;
  const { runId } = await sendChat(owner, session, script([{ name: "exec", args: { command: `touch approved-${word} && echo made-${word}` } }], word));
  const card = page.locator(tid("approval-card"), { hasText: `made-${word}` });
  await card.waitFor({ timeout: 8000 });
  assert.ok(await card.getAttribute("data-id"));
  assert.match(await card.innerText(), /asker/, "the card names the agent");
  assert.equal(await page.locator(tid("approvals-empty")).count(), 0);
  const workspace = join(gw.stateDir, "workspace-asker");
  assert.equal(existsSync(join(workspace, `approved-${word}`)), false, "nothing runs before the approval");
  await screenshot(page, "approvals-pending-1280");

  await card.locator(tid("approval-allow-once")).click();
  const end = await chatEnd(owner, runId, 10_000);
  assert.equal(end.payload.state, "final", JSON.stringify(end.payload));
  assert.match(end.payload.message.content[0].text, new RegExp(`script done: made-${word}`));
  assert.equal(existsSync(join(workspace, `approved-${word}`)), true, "the command ran");
  await card.waitFor({ state: "detached", timeout: 5000 });
  await page.locator(tid("approvals-empty")).waitFor({ timeout: 5000 });
  await page.getByText(/allowed once/).waitFor({ timeout: 3000 });
  const history = await historyOf(owner, session);
  assert.ok(transcriptLines(history.messages).some((l) => l.startsWith(`assistant: script done: made-${word}`)), JSON.stringify(history.messages));
  assert.deepEqual(consoleErrors, []);
  await context.close();
});
