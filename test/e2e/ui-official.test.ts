/**
 * The official OpenClaw 2026.9.6 Control UI (the peer install's dist/control-ui), served by our
 * gateway through gateway.controlUi.root, in Chromium: it connects with the fragment token, a chat
 * message streams the provider stand-in's reply, and the channels, sessions and logs pages load
 * without a failed request for a method we lack. Skipped when the peer is not installed.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { closeBrowser, newPage, screenshot } from "../browser/browser.js";
import { TEST_TOKEN, startFileGateway } from "./harness.js";
import { providerFor, startStandIn } from "./agent-harness.js";

const PEER = "/work/shared/tools/openclaw-peer";
const peerDir = existsSync(PEER) ? spawnSync(PEER, ["--path"], { encoding: "utf8" }).stdout.trim() : "";
const officialUi = join(peerDir, "app/node_modules/openclaw/dist/control-ui");
const installed = peerDir !== "" && existsSync(join(officialUi, "index.html"));

after(closeBrowser);
const standIn = await startStandIn();
const gw = await startFileGateway({
  gateway: { controlUi: { root: officialUi } },
  extraConfig: { agents: { defaults: { model: { primary: "mock/echo" } } }, models: { providers: { mock: providerFor(standIn) } } },
});

/** Every RPC the page sent that came back as an error, as "method => message". */
function recordFailures(page: Page): string[] {
  const failed: string[] = [];
  const methods = new Map<string, string>();
  page.on("websocket", (ws) => {
    ws.on("framesent", (f) => {
      try {
        const frame = JSON.parse(String(f.payload));
        if (frame.method) methods.set(frame.id, frame.method);
      } catch {}
    });
    ws.on("framereceived", (f) => {
      try {
        const frame = JSON.parse(String(f.payload));
        if (frame.type === "res" && frame.ok === false) failed.push(`${methods.get(frame.id)} => ${frame.error?.message}`);
      } catch {}
    });
  });
  return failed;
}

describe("the official Control UI on our gateway", { skip: installed ? false : "openclaw-peer not installed" }, () => {
  test("connects, opens on chat, sends a message and streams the reply", { timeout: 60_000 }, async () => {
    const { page, context } = await newPage();
    const failed = recordFailures(page);
    await page.goto(`${gw.httpUrl}/#token=${TEST_TOKEN}`);
    const composer = page.getByPlaceholder(/Message/);
    await composer.waitFor({ timeout: 20_000 });
    assert.match(new URL(page.url()).pathname, /^\/chat/);
    await composer.fill("hello from the official ui MARK:official");
    await page.keyboard.press("Enter");
    await page.getByRole("paragraph").filter({ hasText: "echo: official" }).first().waitFor({ timeout: 20_000 });
    await screenshot(page, "official-chat-1280");
    assert.deepEqual(failed.filter((f) => f.includes("unknown method")), []);
    await context.close();
  });

  for (const route of ["/settings/channels", "/sessions", "/logs"]) {
    test(`the ${route} page loads without a failed request for a method we lack`, { timeout: 60_000 }, async () => {
      const { page, context } = await newPage();
      const failed = recordFailures(page);
      await page.goto(`${gw.httpUrl}${route}#token=${TEST_TOKEN}`);
      await page.waitForLoadState("networkidle");
      await page.waitForTimeout(1500);
      await screenshot(page, `official${route.replace(/\//g, "-")}-1280`);
      assert.deepEqual(failed.filter((f) => f.includes("unknown method")), [], `failed: ${failed.join("; ")}`);
      await context.close();
    });
  }
});
