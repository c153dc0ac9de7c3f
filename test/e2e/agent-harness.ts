/**
 * Helpers for the agent end-to-end tests: provider stand-ins wired into a test gateway's config,
 * readers for what the stand-in recorded, and waiters for the `agent` two-stage answer and the
 * `chat` events of one run. Not a *.test.ts file, so `node --test` does not run it by itself.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after } from "node:test";
import { startProviderStandIn, type ProviderStandIn, type RecordedRequest } from "../stand-ins/provider-stand-in.js";
import { ADMIN_SCOPES, connectClient, type Frame, type TestClient } from "./harness.js";

export const READ_SCOPES = ["operator.read"];
export const WRITE_SCOPES = ["operator.read", "operator.write"];
export { ADMIN_SCOPES };

/** A stand-in closed when the test file ends. */
export async function startStandIn(opts: Parameters<typeof startProviderStandIn>[0] = {}): Promise<ProviderStandIn> {
  const standIn = await startProviderStandIn(opts);
  after(() => standIn.close());
  return standIn;
}

export type ModelEntry = { id: string; contextWindow?: number; maxTokens?: number; name?: string };

/** `models.providers.<id>` for a stand-in speaking OpenAI chat completions. */
export function providerFor(standIn: ProviderStandIn, models: ModelEntry[] = [{ id: "echo", contextWindow: 32000 }], apiKey = "mock-local") {
  return { baseUrl: `${standIn.url}/v1`, apiKey, api: "openai-completions", models };
}

/** A short unique word to find one test's requests, messages and search hits. */
export function tag(prefix = "t"): string {
  return `${prefix}${randomUUID().replaceAll("-", "").slice(0, 10)}`;
}

// ---------------------------------------------------------------------------------------------
// What the stand-in saw
// ---------------------------------------------------------------------------------------------

export type WireMessage = { role: string; content: unknown };

export function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.map((p: { text?: unknown }) => (typeof p?.text === "string" ? p.text : "")).join("");
}

export function wireMessages(request: RecordedRequest): WireMessage[] {
  const body = request.body as { messages?: WireMessage[] } | undefined;
  return Array.isArray(body?.messages) ? body.messages : [];
}

export function systemPromptOf(request: RecordedRequest): string {
  return wireMessages(request)
    .filter((m) => m.role === "system" || m.role === "developer")
    .map((m) => contentText(m.content))
    .join("\n");
}

/** The conversation part of a request (everything but the system prompt). */
export function conversationOf(request: RecordedRequest): WireMessage[] {
  return wireMessages(request).filter((m) => m.role !== "system" && m.role !== "developer");
}

export function lastUserText(request: RecordedRequest): string {
  const users = wireMessages(request).filter((m) => m.role === "user");
  return users.length > 0 ? contentText(users[users.length - 1].content) : "";
}

/** Model calls whose current (last) user message contains `needle`. */
export function callsWith(standIn: ProviderStandIn, needle: string): RecordedRequest[] {
  return standIn.requests.filter((r) => r.method === "POST" && r.path.endsWith("/chat/completions") && lastUserText(r).includes(needle));
}

// ---------------------------------------------------------------------------------------------
// Clients and runs
// ---------------------------------------------------------------------------------------------

export async function client(url: string, scopes: string[] = WRITE_SCOPES, extra: Record<string, unknown> = {}): Promise<TestClient> {
  return (await connectClient(url, { scopes, ...extra })).client;
}

export function isEvent(frame: Frame, event: string, runId?: string): boolean {
  return frame.type === "event" && frame.event === event && (runId === undefined || frame.payload?.runId === runId);
}

export function eventsOf(c: TestClient, event: string, runId?: string): Frame[] {
  return c.frames.filter((f) => isEvent(f, event, runId));
}

const ENDED = new Set(["final", "error", "aborted"]);

/** The `chat` event that ends a run (final, error or aborted). */
export function chatEnd(c: TestClient, runId: string, timeoutMs = 5000): Promise<Frame> {
  return c.waitFor((f) => isEvent(f, "chat", runId) && ENDED.has(f.payload.state), { timeoutMs, label: `chat end of ${runId}` });
}

/** The second `res` of a two-stage request (anything but the `accepted` interim). */
export function finalResponse(c: TestClient, id: string, timeoutMs = 5000): Promise<Frame> {
  return c.waitFor((f) => f.type === "res" && f.id === id && !(f.ok && f.payload?.status === "accepted"), { timeoutMs, label: `final res ${id}` });
}

export async function sendChat(c: TestClient, sessionKey: string, message: string, extra: Record<string, unknown> = {}): Promise<{ runId: string; ack: any }> {
  const runId = (extra.idempotencyKey as string | undefined) ?? randomUUID();
  const res = await c.request("chat.send", { sessionKey, message, idempotencyKey: runId, ...extra });
  assert.equal(res.ok, true, `chat.send failed: ${JSON.stringify(res.error)}`);
  return { runId, ack: res.payload };
}

/** One chat turn to its end; returns the ending `chat` event payload. */
export async function chatTurn(c: TestClient, sessionKey: string, message: string, extra: Record<string, unknown> = {}): Promise<{ runId: string; end: any }> {
  const { runId } = await sendChat(c, sessionKey, message, extra);
  const end = await chatEnd(c, runId);
  return { runId, end: end.payload };
}

export async function historyOf(c: TestClient, sessionKey: string, extra: Record<string, unknown> = {}): Promise<any> {
  return c.call("chat.history", { sessionKey, ...extra });
}

/** Texts of a history page's messages, `role: text`. */
export function transcriptLines(messages: Array<{ role: string; content: unknown }>): string[] {
  return messages.map((m) => `${m.role}: ${contentText(m.content)}`);
}

export function assertForbidden(res: Frame, scope?: string): void {
  assert.equal(res.ok, false, `expected FORBIDDEN, got ${JSON.stringify(res.payload)}`);
  assert.equal(res.error.code, "FORBIDDEN", JSON.stringify(res.error));
  if (scope) assert.match(res.error.message, new RegExp(scope.replace(".", "\\.")));
}

/** Resolves with the time `check` first held (polled every 2 ms). */
export async function timeWhen(check: () => boolean, timeoutMs = 5000, label = "condition"): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 2));
  }
  return Date.now();
}
