/**
 * Our Control UI in a real browser (Debian Chromium via playwright-core) against a real gateway:
 * the token from the URL fragment (then gone from the address bar), a wrong token showing the form
 * with a clear message, and the page reconnecting by itself after the gateway restarts.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { closeBrowser, newPage, screenshot } from "../browser/browser.js";
import { TEST_TOKEN, startFileGateway, startTestGateway } from "./harness.js";

after(closeBrowser);
const gw = await startFileGateway();

test("the fragment token connects and is removed from the address bar", async () => {
  const { page, consoleErrors, context } = await newPage();
  await page.goto(`${gw.httpUrl}/#token=${TEST_TOKEN}`);
  await page.locator('[data-testid="connection-status"][data-phase="connected"]').waitFor({ timeout: 10_000 });
  assert.equal(new URL(page.url()).hash, "", "the token left the address bar");
  assert.match(new URL(page.url()).pathname, /^\/chat/);
  await screenshot(page, "connect-1280");
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test("a wrong token shows the form with a clear message; the right one typed in connects", async () => {
  const { page, context } = await newPage({ width: 375, height: 740 });
  await page.goto(`${gw.httpUrl}/#token=wrong-token`);
  await page.locator('[data-testid="token-form"]').waitFor({ timeout: 10_000 });
  assert.match(await page.locator('[data-testid="connect-error"]').innerText(), /token/i);
  await screenshot(page, "token-form-375");
  await page.locator('[data-testid="token-input"]').fill(TEST_TOKEN);
  await page.locator('[data-testid="token-submit"]').click();
  await page.locator('[data-testid="connection-status"][data-phase="connected"]').waitFor({ timeout: 10_000 });
  await context.close();
});

test("the gateway restarting while the page is open ends with the page reconnected by itself", async () => {
  const restarting = await startTestGateway();
  const { page, context } = await newPage();
  await page.goto(`${restarting.httpUrl}/#token=${TEST_TOKEN}`);
  const connected = page.locator('[data-testid="connection-status"][data-phase="connected"]');
  await connected.waitFor({ timeout: 10_000 });
  const port = restarting.port;
  await restarting.stop("restart", 500);
  await page.locator('[data-testid="connection-status"]:not([data-phase="connected"])').waitFor({ timeout: 10_000 });
  const again = await startTestGateway({ port });
  await connected.waitFor({ timeout: 20_000 });
  await again.stop();
  await context.close();
});
