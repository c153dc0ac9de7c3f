import type { ConfigSnapshot } from "../config/snapshot.js";
import type { AgentStore, SessionRow, TranscriptEntry } from "../store/types.js";
import { chainClients, resolveModelChain } from "./model-resolution.js";
import { callModel } from "./providers/call-model.js";
import type { AgentRuntime } from "./runtime.js";

const MAX_SCANNED_ENTRIES = 5000;
const MAX_TRANSCRIPT_CHARS = 60_000;
const SUMMARY_TIMEOUT_MS = 120_000;

const SUMMARY_PROMPT =
  "Summarise the conversation below so it can replace it as context for later turns. Keep facts, decisions, open questions, names, numbers and promises; drop small talk. Write plain prose or short bullet points, at most about 400 words.";

function transcriptText(entries: TranscriptEntry[], previous?: string): string {
  const lines = entries.map((e) => `${e.role === "user" ? "User" : "Assistant"}: ${e.text}`);
  let text = lines.join("\n\n");
  if (text.length > MAX_TRANSCRIPT_CHARS) text = text.slice(text.length - MAX_TRANSCRIPT_CHARS);
  return previous ? `Earlier summary:\n${previous}\n\nConversation:\n${text}` : text;
}

/** Without a usable model, the summary keeps the start of every message. */
function extractSummary(entries: TranscriptEntry[], previous?: string): string {
  const lines = entries.map((e) => `- ${e.role === "user" ? "User" : "Assistant"}: ${e.text.replace(/\s+/g, " ").slice(0, 160)}`);
  const body = lines.join("\n");
  return (previous ? `${previous}\n${body}` : body).slice(-4000);
}

async function modelSummary(runtime: AgentRuntime, agentId: string, config: ConfigSnapshot, text: string): Promise<string | null> {
  const agent = runtime.agent(agentId);
  if (!agent) return null;
  const resolution = await resolveModelChain({ agent, config: config.config, env: process.env, configPath: config.path });
  if (!resolution.ok) return null;
  const chain = await chainClients(resolution.chain);
  let summary = "";
  for await (const event of callModel(chain, { system: SUMMARY_PROMPT, messages: [{ role: "user", content: text }], signal: AbortSignal.timeout(SUMMARY_TIMEOUT_MS) })) {
    if (event.type === "text") summary += event.delta;
  }
  return summary.trim() || null;
}

/**
 * Replaces all but the newest `keepMessages` messages with a summary entry: later prompts start
 * from the summary and the kept messages. The old entries stay in the transcript for history.
 */
export async function compactSession(opts: { runtime: AgentRuntime; agentId: string; store: AgentStore; row: SessionRow; keepMessages: number; config: ConfigSnapshot }) {
  const { store, row } = opts;
  const previous = store.lastCompaction(row.sessionId);
  const firstKept = previous ? Number(previous.data.firstKeptSeq ?? previous.seq) : 1;
  const messages = store.entriesAfter(row.sessionId, firstKept - 1, MAX_SCANNED_ENTRIES).filter((e) => e.type === "message");
  if (messages.length <= opts.keepMessages) return { entry: null, kept: messages.length, summarized: 0, method: "none" };
  const older = messages.slice(0, messages.length - opts.keepMessages);
  const previousSummary = previous ? String(previous.data.summary ?? previous.text) : undefined;
  let method = "model";
  let summary: string | null = null;
  try {
    summary = await modelSummary(opts.runtime, opts.agentId, opts.config, transcriptText(older, previousSummary));
  } catch {
    summary = null;
  }
  if (!summary) {
    method = "extract";
    summary = extractSummary(older, previousSummary);
  }
  const entry = store.appendEntry(row.key, {
    type: "compaction",
    role: null,
    text: summary,
    runId: null,
    idempotencyKey: null,
    data: { summary, firstKeptSeq: messages[older.length].seq, summarizedMessages: older.length, method },
  });
  return { entry, kept: opts.keepMessages, summarized: older.length, method };
}
