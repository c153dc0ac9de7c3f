import { useRef, useState } from "preact/hooks";
import { useEvent } from "../../hooks";
import { gateway } from "../../session";
import { applyText, applyTool, newRun, type LiveRun } from "./live";

export function uuid(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export type RunError = { runId?: string; message: string };

/**
 * The session's runs from `chat` events (delta, final, aborted, error) and `agent` tool events,
 * matched by session key and run id; sending with chat.send and stopping with chat.abort. One
 * instance per session (the page remounts it when the session changes).
 */
export function useRuns(sessionKey: string, matches: (key: unknown) => boolean) {
  const [runs, setRuns] = useState<LiveRun[]>([]);
  const [error, setError] = useState<RunError | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const match = useRef(matches);
  match.current = matches;

  const update = (runId: string, fn: (r: LiveRun) => LiveRun) =>
    setRuns((list) => (list.some((r) => r.runId === runId) ? list.map((r) => (r.runId === runId ? fn(r) : r)) : [...list, fn(newRun(runId))]));

  useEvent(
    "chat",
    (f) => {
      const p = f.payload ?? {};
      if (!match.current(p.sessionKey) || typeof p.runId !== "string") return;
      switch (p.state) {
        case "delta":
          update(p.runId, (r) => applyText(r, p));
          return;
        case "final":
          update(p.runId, (r) => ({ ...(p.message ? applyText(r, { message: p.message }) : r), done: true }));
          setStatus(null);
          return;
        case "aborted":
          update(p.runId, (r) => ({ ...(p.message ? applyText(r, { message: p.message }) : r), done: true }));
          setStatus(`Stopped${p.errorMessage && p.errorMessage !== "aborted" ? ` (${p.errorMessage})` : ""}.`);
          return;
        case "error":
          update(p.runId, (r) => ({ ...(p.message ? applyText(r, { message: p.message }) : r), done: true }));
          setError({ runId: p.runId, message: String(p.errorMessage ?? "the run failed") });
          setStatus(null);
          return;
        default:
          update(p.runId, (r) => ({ ...r, started: true }));
      }
    },
    [],
  );

  useEvent(
    "agent",
    (f) => {
      const p = f.payload ?? {};
      if (p.stream !== "tool" || !match.current(p.sessionKey) || typeof p.runId !== "string") return;
      update(p.runId, (r) => applyTool(r, p.data ?? {}));
    },
    [],
  );

  async function send(message: string): Promise<boolean> {
    const runId = uuid();
    setError(null);
    setStatus(null);
    setRuns((list) => [...list, newRun(runId, message)]);
    try {
      const res = await gateway.request<{ runId?: string; status?: string }>("chat.send", { sessionKey, message, idempotencyKey: runId });
      if (res?.status === "ok") update(runId, (r) => ({ ...r, done: true }));
      return true;
    } catch (e) {
      setRuns((list) => list.filter((r) => r.runId !== runId));
      setError({ message: `Not sent: ${(e as Error).message}` });
      return false;
    }
  }

  async function abort(): Promise<void> {
    const active = runs.filter((r) => !r.done);
    const results = await Promise.allSettled(active.map((r) => gateway.request("chat.abort", { sessionKey, runId: r.runId })));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) setError({ message: `Could not stop the run: ${(failed.reason as Error).message}` });
  }

  /** After a full load or a reconnect: runs the gateway no longer has in flight or queued are over. */
  function sync(inFlight: { runId: string; text?: string } | undefined, queued: string[]) {
    setRuns((list) => {
      const next = list.map((r) => (r.done || !r.started || r.runId === inFlight?.runId || queued.includes(r.runId) ? r : { ...r, done: true }));
      if (inFlight && !next.some((r) => r.runId === inFlight.runId)) {
        const run = { ...newRun(inFlight.runId), started: true };
        next.push(inFlight.text ? applyText(run, { deltaText: inFlight.text }) : run);
      }
      return next;
    });
  }

  const markSynced = (runId: string) => update(runId, (r) => ({ ...r, synced: true }));
  const drop = (runIds: string[]) => setRuns((list) => list.filter((r) => !runIds.includes(r.runId)));

  return { runs, error, status, streaming: runs.some((r) => !r.done), send, abort, sync, markSynced, drop };
}
