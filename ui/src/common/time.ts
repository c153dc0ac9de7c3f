/** "12 s ago", "3 min ago", "2 h ago", "4 d ago"; "—" when unknown. Accepts epoch ms or an ISO string. */
export function ago(at: number | string | null | undefined, now = Date.now()): string {
  const ms = typeof at === "string" ? Date.parse(at) : at;
  if (!ms || Number.isNaN(ms)) return "—";
  const s = Math.round((now - ms) / 1000);
  if (s < 0) return "just now";
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}

/** Time left as "m:ss" (or "h:mm:ss"), "0:00" once passed. */
export function countdown(untilMs: number, now = Date.now()): string {
  const total = Math.max(0, Math.ceil((untilMs - now) / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

export function fullTime(at: number | string | null | undefined): string | undefined {
  const ms = typeof at === "string" ? Date.parse(at) : at;
  return ms && !Number.isNaN(ms) ? new Date(ms).toLocaleString() : undefined;
}
