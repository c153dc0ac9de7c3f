import type { RpcError } from "../../gateway/client";

/** What config.set / config.patch answer. */
export type WriteResult = {
  changed: boolean;
  hash: string;
  changedPaths?: string[];
  restartRequired?: boolean;
  hint?: string;
  warnings?: string[];
  reload?: { status: "unchanged" } | { status: "skipped"; reason: string } | { status: "applied"; mode: "noop" | "hot" | "restart"; changedPaths?: string[] };
};

type Success = { ok: true; text: string; restarting: boolean; afterRestart?: string };
type Failure = { ok: false; text: string; conflict: boolean };
export type Outcome = Success | Failure;

function listPaths(paths: string[] | undefined): string {
  if (!paths || paths.length === 0) return "";
  const head = paths.slice(0, 4).join(", ");
  return ` (${head}${paths.length > 4 ? ` and ${paths.length - 4} more` : ""})`;
}

function sentence(r: WriteResult): string {
  if (!r.changed) return "Nothing to save: the file already has this content.";
  const paths = listPaths(r.changedPaths);
  const reload = r.reload;
  if (reload?.status === "applied" && reload.mode === "restart") return `Saved. The gateway is restarting to apply this change${paths}; this page reconnects by itself.`;
  if (reload?.status === "applied" && reload.mode === "hot") return `Saved and applied live (hot reload), no restart needed${paths}.`;
  if (reload?.status === "applied") return `Saved and in effect, no restart needed${paths}.`;
  if (reload?.status === "skipped") return `Saved to disk, but the running gateway did not take it: ${reload.reason}. It keeps running with the previous config.`;
  return r.restartRequired ? `Saved. This change takes effect when the gateway restarts${paths}.` : `Saved; it applies without a restart${paths}.`;
}

export function describeWrite(r: WriteResult): Success {
  const warnings = (r.warnings ?? []).map((w) => ` Note: ${w}.`).join("");
  const restarting = r.reload?.status === "applied" && r.reload.mode === "restart";
  const afterRestart = restarting ? `Saved. The gateway restarted with this change${listPaths(r.changedPaths)} and this page is connected again.${warnings}` : undefined;
  return { ok: true, text: sentence(r) + warnings, restarting, ...(afterRestart ? { afterRestart } : {}) };
}

export function describeFailure(e: RpcError): Failure {
  const code = e.details?.code as string | undefined;
  if (code === "STALE_HASH" || code === "BASE_HASH_REQUIRED") {
    return { ok: false, conflict: true, text: "The config changed since this page loaded it (someone else saved it), so nothing was written. Reload to get the current version, then make your change again." };
  }
  if (e.code === "UNAVAILABLE" && /connection closed/.test(e.message)) {
    return { ok: false, conflict: false, text: "The connection closed before the gateway answered; it may be restarting. Once reconnected, reload to see what was saved." };
  }
  if (code === "REDACTED_UNKNOWN") return { ok: false, conflict: false, text: `${e.message}. Type the real value instead of the placeholder.` };
  return { ok: false, conflict: false, text: `Not saved: ${e.message}` };
}
