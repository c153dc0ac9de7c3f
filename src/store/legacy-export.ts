import type { AgentStore, TranscriptEntry } from "./types.js";

const PAGE_SIZE = 500;

type Line = Record<string, unknown>;

/**
 * One session's current transcript in the legacy `<sessionId>.jsonl` layout: a `session` header,
 * then one line per entry, in order. Null when the session does not exist.
 */
export function exportLegacyJsonl(store: AgentStore, sessionKey: string, opts: { cwd?: string } = {}): string[] | null {
  const session = store.getSession(sessionKey);
  if (!session) return null;
  return [...legacyJsonlLines(store, session.sessionId, { cwd: opts.cwd, emptyTimestamp: session.updatedAt })];
}

/** The lines of one transcript, read a page at a time so a long transcript is never one query result. */
export function* legacyJsonlLines(store: AgentStore, sessionId: string, opts: { cwd?: string; emptyTimestamp?: number } = {}): Generator<string> {
  let page = store.entriesAfter(sessionId, 0, PAGE_SIZE);
  const started = page[0]?.timestamp ?? opts.emptyTimestamp ?? Date.now();
  yield JSON.stringify({ type: "session", id: sessionId, ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}), timestamp: iso(started) });
  while (page.length > 0) {
    for (const entry of page) yield JSON.stringify(legacyLine(entry));
    if (page.length < PAGE_SIZE) break;
    page = store.entriesAfter(sessionId, page[page.length - 1].seq, PAGE_SIZE);
  }
}

export function legacyLine(entry: TranscriptEntry): Line {
  const head = { id: entry.id, parentId: entry.parentId, timestamp: iso(entry.timestamp) };
  switch (entry.type) {
    case "message": {
      const { content, ...rest } = entry.data;
      const parts = Array.isArray(content) ? content : [{ type: "text", text: entry.text }];
      return { type: "message", ...head, message: { role: entry.role, content: parts, timestamp: entry.timestamp, ...rest } };
    }
    case "compaction": {
      const { summary, ...rest } = entry.data;
      return { type: "compaction", ...head, summary: typeof summary === "string" ? summary : entry.text, ...rest };
    }
    case "abort":
      return { type: "custom", ...head, customType: "openclaw:abort", data: { text: entry.text, ...entry.data } };
    case "custom": {
      const { customType, ...rest } = entry.data;
      const data = entry.text !== "" ? { text: entry.text, ...rest } : rest;
      return { type: "custom", ...head, customType: typeof customType === "string" ? customType : "custom", data };
    }
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
