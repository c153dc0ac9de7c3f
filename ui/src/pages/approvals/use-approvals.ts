import { useEffect, useReducer, useState } from "preact/hooks";
import type { Frame } from "../../gateway/client";
import { useConnection } from "../../hooks";
import { gateway } from "../../session";

export type { ApprovalDecision as Decision, ExecApprovalRequest as ApprovalRequest } from "../../../../src/agents/tools/approvals/approval-types";
import type { ApprovalDecision as Decision, ExecApprovalRequest as ApprovalRequest } from "../../../../src/agents/tools/approvals/approval-types";

export type Approval = { id: string; request: ApprovalRequest; createdAtMs: number; expiresAtMs: number };
export type Resolved = { id: string; command: string; decision: Decision | null; reason?: string; resolvedBy?: string; ts: number };

type State = { pending: Approval[]; recent: Resolved[] };
type Action = { kind: "loaded"; list: Approval[] } | { kind: "requested"; approval: Approval } | { kind: "resolved"; id: string; decision: Decision | null; reason?: string; resolvedBy?: string; ts?: number };

const RECENT_KEPT = 5;
const EVENTS = new Set(["exec.approval.requested", "exec.approval.resolved"]);

function reduce(state: State, action: Action): State {
  switch (action.kind) {
    case "loaded":
      return { ...state, pending: [...action.list].sort((a, b) => a.createdAtMs - b.createdAtMs) };
    case "requested":
      if (state.pending.some((a) => a.id === action.approval.id)) return state;
      return { ...state, pending: [...state.pending, action.approval] };
    case "resolved": {
      const gone = state.pending.find((a) => a.id === action.id);
      if (!gone) return state;
      const entry: Resolved = { id: action.id, command: gone.request.command, decision: action.decision, reason: action.reason, resolvedBy: action.resolvedBy, ts: action.ts ?? Date.now() };
      return { pending: state.pending.filter((a) => a.id !== action.id), recent: [entry, ...state.recent.filter((r) => r.id !== action.id)].slice(0, RECENT_KEPT) };
    }
  }
}

function actionOf(f: Frame): Action | null {
  const p = f.payload ?? {};
  if (typeof p.id !== "string") return null;
  if (f.event === "exec.approval.requested") return p.request ? { kind: "requested", approval: p as Approval } : null;
  return { kind: "resolved", id: p.id, decision: p.decision ?? null, reason: p.reason, resolvedBy: p.resolvedBy, ts: p.ts };
}

/**
 * Pending exec approvals: the list on every (re)connect, then kept by the requested/resolved
 * events; events that arrive while the list loads are applied after it.
 */
export function useApprovals(): State & { loaded: boolean; error: string | null; resolvedLocally(id: string, decision: Decision): void } {
  const connection = useConnection();
  const [state, dispatch] = useReducer(reduce, { pending: [], recent: [] });
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (connection.phase !== "connected") return;
    let ready = false;
    let live = true;
    const early: Action[] = [];
    const off = gateway.onEvent((f) => {
      if (!f.event || !EVENTS.has(f.event)) return;
      const action = actionOf(f);
      if (!action) return;
      if (ready) dispatch(action);
      else early.push(action);
    });
    gateway.request<Approval[]>("exec.approval.list", {}).then(
      (list) => {
        if (!live) return;
        dispatch({ kind: "loaded", list: Array.isArray(list) ? list : [] });
        for (const action of early) dispatch(action);
        ready = true;
        setLoaded(true);
        setError(null);
      },
      (err: Error) => {
        if (!live) return;
        ready = true;
        for (const action of early) dispatch(action);
        setLoaded(true);
        setError(`Could not load pending approvals: ${err.message}`);
      },
    );
    return () => {
      live = false;
      off();
    };
  }, [connection.phase]);
  return { ...state, loaded, error, resolvedLocally: (id, decision) => dispatch({ kind: "resolved", id, decision, resolvedBy: "you" }) };
}
