import { useEffect, useState } from "preact/hooks";
import { useConnection, useEvent } from "../../hooks";
import { gateway } from "../../session";

export type SessionRow = {
  key: string;
  agentId?: string;
  sessionId?: string;
  label?: string;
  displayName?: string;
  lastMessagePreview?: string;
  updatedAt?: number;
  model?: string;
  modelProvider?: string;
  modelOverride?: string;
  hasActiveRun?: boolean;
};

const byRecent = (a: SessionRow, b: SessionRow) => (b.updatedAt ?? 0) - (a.updatedAt ?? 0);

/** The session list from sessions.list, kept current by `sessions.changed` (after sessions.subscribe). */
export function useSessions() {
  const connection = useConnection();
  const [rows, setRows] = useState<SessionRow[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const upsert = (row: SessionRow) => setRows((list) => [row, ...list.filter((r) => r.key !== row.key)].sort(byRecent));

  useEffect(() => {
    if (connection.phase !== "connected") return;
    let live = true;
    gateway
      .request("sessions.subscribe", {})
      .then(() => gateway.request<{ sessions?: SessionRow[] }>("sessions.list", { limit: 100 }))
      .then(
        (res) => live && (setRows((res.sessions ?? []).slice().sort(byRecent)), setError(null)),
        (e: Error) => live && setError(`Could not list sessions: ${e.message}`),
      );
    return () => {
      live = false;
    };
  }, [connection.phase, tick]);

  useEffect(
    () => () => {
      if (gateway.state.phase === "connected") gateway.request("sessions.unsubscribe", {}).catch((e: Error) => console.warn(`sessions.unsubscribe: ${e.message}`));
    },
    [],
  );

  useEvent("sessions.changed", (f) => {
    const p = f.payload ?? {};
    if (p.deleted && typeof p.sessionKey === "string") setRows((list) => list.filter((r) => r.key !== p.sessionKey));
    else if (p.session?.key) upsert(p.session as SessionRow);
    else setTick((t) => t + 1);
  });

  return { rows, error, upsert };
}

export function sessionTitle(row: Pick<SessionRow, "key" | "label" | "displayName">): string {
  return row.label || row.displayName || row.key.replace(/^agent:[^:]+:/, "");
}
