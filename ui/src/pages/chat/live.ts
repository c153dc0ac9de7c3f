import { asText, textOf, type Built, type Row, type ToolView } from "./messages";

export type Segment = { kind: "text"; text: string } | { kind: "tool"; id: string };

/** A run of the session as its events tell it, until the transcript holds what it said. */
export type LiveRun = {
  runId: string;
  userText?: string;
  segments: Segment[];
  tools: Record<string, ToolView>;
  /** No event seen yet (a run this page just sent). */
  started: boolean;
  done: boolean;
  synced?: boolean;
};

export function newRun(runId: string, userText?: string): LiveRun {
  return { runId, userText, segments: [], tools: {}, started: false, done: false };
}

/** Applies a streamed text snapshot: a new segment after a tool round, else the current one grows. */
export function applyText(run: LiveRun, payload: { deltaText?: string; replace?: boolean; message?: { content?: unknown } }): LiveRun {
  const snapshot = payload.message ? textOf(payload.message.content) : undefined;
  const segments = run.segments.slice();
  let last = -1;
  for (let i = segments.length - 1; i >= 0; i--) if (segments[i]!.kind === "text") { last = i; break; }
  const current = last >= 0 ? (segments[last] as { kind: "text"; text: string }).text : "";
  const toolAfter = last >= 0 && last < segments.length - 1;
  const fresh = payload.replace || last < 0 || (toolAfter && snapshot !== undefined && !snapshot.startsWith(current));
  const text = snapshot ?? (fresh ? payload.deltaText ?? "" : current + (payload.deltaText ?? ""));
  if (fresh) {
    if (text !== "") segments.push({ kind: "text", text });
  } else segments[last] = { kind: "text", text };
  return { ...run, segments, started: true };
}

/** Applies an `agent` tool event (phase start, update or result). */
export function applyTool(run: LiveRun, data: { phase?: string; name?: string; toolCallId?: string; args?: unknown; partialResult?: unknown; result?: unknown; isError?: boolean; durationMs?: number }): LiveRun {
  const id = String(data.toolCallId ?? `${run.runId}:${data.name ?? "tool"}`);
  const prev = run.tools[id] ?? { id, name: String(data.name ?? "tool"), running: true };
  const next: ToolView = { ...prev, ...(data.name ? { name: String(data.name) } : {}) };
  if (data.args !== undefined) next.args = asText(data.args);
  if (data.phase === "update" && data.partialResult !== undefined) next.partial = asText(data.partialResult);
  if (data.phase === "result") Object.assign(next, { result: asText(data.result), isError: Boolean(data.isError), running: false, durationMs: data.durationMs });
  const segments = run.segments.some((s) => s.kind === "tool" && s.id === id) ? run.segments : [...run.segments, { kind: "tool" as const, id }];
  return { ...run, segments, tools: { ...run.tools, [id]: next }, started: true };
}

function textCovered(text: string, texts: string[] | undefined): boolean {
  return text.trim() === "" || (texts ?? []).some((t) => t.startsWith(text));
}

/** Whether the transcript already shows everything this run displays. */
export function covered(run: LiveRun, built: Built): boolean {
  const seen = built.byRun.get(run.runId);
  if (run.userText !== undefined && !seen?.user) return false;
  return run.segments.every((s) => (s.kind === "tool" ? built.callIds.has(s.id) : textCovered(s.text, seen?.texts)));
}

/** Rows of what the runs show that the transcript does not yet hold. */
export function liveRows(runs: LiveRun[], built: Built): Row[] {
  const rows: Row[] = [];
  for (const run of runs) {
    const seen = built.byRun.get(run.runId);
    if (run.userText !== undefined && !seen?.user) rows.push({ key: `live-${run.runId}-user`, role: "user", text: run.userText, pending: true });
    run.segments.forEach((s, i) => {
      if (s.kind === "tool") {
        if (!built.callIds.has(s.id) && run.tools[s.id]) rows.push({ key: `live-${run.runId}-${i}`, role: "tool", tool: run.tools[s.id]! });
      } else if (!textCovered(s.text, seen?.texts)) rows.push({ key: `live-${run.runId}-${i}`, role: "assistant", text: s.text, pending: !run.done });
    });
  }
  return rows;
}

/** Live state of every tool call the runs know, for rows the transcript already has. */
export function liveTools(runs: LiveRun[]): Map<string, ToolView> {
  const map = new Map<string, ToolView>();
  for (const run of runs) for (const t of Object.values(run.tools)) map.set(t.id, t);
  return map;
}
