/** A transcript message as chat.history and session.message carry it. */
export type Msg = {
  role: string;
  content?: unknown;
  toolCallId?: string;
  toolName?: string;
  isError?: boolean;
  toolCalls?: Array<{ id?: string; name?: string; arguments?: unknown }>;
  timestamp?: number;
  idempotencyKey?: string;
  __openclaw?: { id?: string; seq?: number; runId?: string };
};

export type ToolView = { id: string; name: string; args?: string; result?: string; partial?: string; isError?: boolean; running?: boolean; durationMs?: number };

export type Row = { key: string; role: "user" | "assistant"; text: string; note?: string; pending?: boolean } | { key: string; role: "tool"; tool: ToolView };

export function asText(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  try {
    return JSON.stringify(value, null, 2);
  } catch {
    return String(value);
  }
}

export function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  const parts: string[] = [];
  for (const p of content as Array<{ type?: string; text?: unknown }>) {
    if (p?.type === "text" && typeof p.text === "string") parts.push(p.text);
    else if (p?.type === "image") parts.push("[image]");
  }
  return parts.join("\n");
}

function callsOf(m: Msg): Array<{ id: string; name: string; args: string }> {
  const fromContent = Array.isArray(m.content)
    ? (m.content as Array<{ type?: string; id?: string; name?: string; arguments?: unknown; input?: unknown }>)
        .filter((p) => p?.type === "toolCall" || p?.type === "tool_use")
        .map((p) => ({ id: String(p.id ?? ""), name: String(p.name ?? "tool"), args: asText(p.arguments ?? p.input) }))
    : [];
  if (fromContent.length > 0) return fromContent;
  return (m.toolCalls ?? []).map((c) => ({ id: String(c.id ?? ""), name: String(c.name ?? "tool"), args: asText(c.arguments) }));
}

export function seqOf(m: Msg): number | undefined {
  return m.__openclaw?.seq;
}

function runOf(m: Msg): string | undefined {
  return m.__openclaw?.runId ?? (m.role === "user" && m.idempotencyKey?.endsWith(":user") ? m.idempotencyKey.slice(0, -5) : undefined);
}

export type Built = {
  rows: Row[];
  /** Tool call ids the transcript already shows. */
  callIds: Set<string>;
  /** Per run: whether its user message is in, and the texts of its assistant messages. */
  byRun: Map<string, { user: boolean; texts: string[] }>;
};

/** Transcript messages as rows: tool calls become their own rows, each with its result merged in. */
export function buildRows(messages: Msg[]): Built {
  const results = new Map<string, Msg>();
  for (const m of messages) if (m.role === "toolResult" && m.toolCallId) results.set(m.toolCallId, m);
  const callIds = new Set<string>();
  for (const m of messages) if (m.role === "assistant") for (const c of callsOf(m)) if (c.id) callIds.add(c.id);
  const rows: Row[] = [];
  const byRun = new Map<string, { user: boolean; texts: string[] }>();
  messages.forEach((m, i) => {
    const key = `m${seqOf(m) ?? m.__openclaw?.id ?? `i${i}`}`;
    const run = runOf(m);
    const seen = run ? byRun.get(run) ?? { user: false, texts: [] } : null;
    if (run && seen) byRun.set(run, seen);
    if (m.role === "toolResult") {
      if (m.toolCallId && callIds.has(m.toolCallId)) return;
      rows.push({ key, role: "tool", tool: { id: m.toolCallId ?? key, name: m.toolName ?? "tool", result: textOf(m.content), isError: m.isError } });
      return;
    }
    const text = textOf(m.content);
    if (m.role === "user") {
      if (seen) seen.user = true;
      rows.push({ key, role: "user", text });
      return;
    }
    if (seen && m.role === "assistant") seen.texts.push(text);
    const calls = m.role === "assistant" ? callsOf(m) : [];
    if (text.trim() !== "" || calls.length === 0) rows.push({ key, role: "assistant", text, ...(m.role !== "assistant" ? { note: m.role } : {}) });
    calls.forEach((c, j) => {
      const r = results.get(c.id);
      rows.push({ key: `${key}:t${j}`, role: "tool", tool: { id: c.id, name: c.name, args: c.args, ...(r ? { result: textOf(r.content), isError: r.isError } : {}) } });
    });
  });
  return { rows, callIds, byRun };
}

/** Rough row height before a row was measured. */
export function estimateRow(row: Row): number {
  if (row.role === "tool") return 52;
  let lines = 0;
  for (const para of row.text.split("\n")) lines += Math.max(1, Math.ceil(para.length / 70));
  return 44 + Math.min(lines, 400) * 21;
}
