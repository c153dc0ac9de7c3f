import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { test } from "node:test";
import { promisify } from "node:util";
import { clearProviderClients, providerClient } from "./clients.js";
import type { ProviderConfig } from "./types.js";

const run = promisify(execFile);

const base: ProviderConfig = { id: "local", api: "ollama", baseUrl: "http://127.0.0.1:9", timeoutMs: 1000, local: true };

test("one client per distinct config, reused across calls", async () => {
  clearProviderClients();
  const first = await providerClient(base);
  assert.equal(await providerClient({ ...base }), first);
  assert.notEqual(await providerClient({ ...base, apiKey: "k2" }), first);
  assert.notEqual(await providerClient({ ...base, headers: { "x-a": "1" } }), first);
  assert.notEqual(await providerClient({ ...base, timeoutMs: 2000 }), first);
  assert.equal(first.config.api, "ollama");
  clearProviderClients();
  assert.notEqual(await providerClient(base), first);
});

test("each api gets its adapter", async () => {
  const apis = ["openai-completions", "openai-responses", "anthropic-messages", "ollama"] as const;
  for (const api of apis) {
    const client = await providerClient({ ...base, api });
    assert.equal(client.config.api, api);
    assert.equal(typeof client.stream, "function");
  }
  await assert.rejects(providerClient({ ...base, api: "carrier-pigeon" as never }), /unknown provider api/);
});

test("the SDKs are imported only when a provider of their kind is first used", async () => {
  // A resolve hook in a fresh process refuses the SDK packages, so any eager import would fail.
  const hook = `export async function resolve(specifier, context, next) {
    if (specifier === "openai" || specifier.startsWith("@anthropic-ai/sdk")) throw new Error("refused " + specifier);
    return next(specifier, context);
  }`;
  const script = `
    import { register } from "node:module";
    register("data:text/javascript," + encodeURIComponent(${JSON.stringify(hook)}));
    const { providerClient } = await import(${JSON.stringify(new URL("./clients.js", import.meta.url).href)});
    const ollama = await providerClient(${JSON.stringify(base)});
    let refused = "";
    try { await providerClient(${JSON.stringify({ ...base, api: "openai-completions" })}); } catch (e) { refused = e.message; }
    console.log(JSON.stringify({ ollama: typeof ollama.stream, refused }));
  `;
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], { timeout: 10_000 });
  assert.deepEqual(JSON.parse(stdout.trim()), { ollama: "function", refused: "refused openai" });
});
