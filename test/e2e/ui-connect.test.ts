/**
 * Our Control UI in a real browser (Debian Chromium via playwright-core) against a real gateway:
 * the token from the URL fragment (then gone from the address bar), a wrong token showing the form
 * with a clear message, and the page reconnecting by itself after the gateway restarts.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { closeBrowser, newPage, screenshot } from "../browser/browser.js";
import { TEST_TOKEN, connectParams, openClient, sendConnect, startFileGateway, startTestGateway } from "./harness.js";

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

test("a browser the owner has not approved is held at 'pairing required' with the command to run, and connects once approved", async () => {
  const strict = await startTestGateway({ gateway: { nodes: { pairing: { autoApproveLocal: false } } } });
  const { page, context } = await newPage();
  await page.goto(`${strict.httpUrl}/#token=${TEST_TOKEN}`);
  const banner = page.locator('[data-testid="pairing-required"]');
  await banner.waitFor({ timeout: 10_000 });
  const text = await banner.innerText();
  const requestId = /openclaw devices approve ([\w-]+)/.exec(text)?.[1];
  assert.ok(requestId, `the banner names the request to approve: ${text}`);
  await screenshot(page, "pairing-required-1280");
  const owner = await openClient(strict.url);
  const hello = await sendConnect(owner, connectParams({ scopes: ["operator.admin", "operator.pairing"] }));
  assert.equal(hello.ok, true, JSON.stringify(hello.error));
  const approved = await owner.request("device.pair.approve", { requestId });
  assert.equal(approved.ok, true, JSON.stringify(approved.error));
  await banner.getByRole("button", { name: "retry" }).click();
  await page.locator('[data-testid="connection-status"][data-phase="connected"]').waitFor({ timeout: 10_000 });
  await owner.close();
  await context.close();
  await strict.stop();
});
