import { useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { LogLineView } from "./logs/log-line";
import { LEVEL_FILTERS, passes, type LevelFilter } from "./logs/parse";
import { MAX_LINES, useLogTail } from "./logs/use-log-tail";
import "./logs/logs.css";

/** The gateway's log file: recent lines, then followed live while "Follow" is on; filtered by level here. */
export function LogsPage() {
  const [level, setLevel] = useState<LevelFilter>("all");
  const [follow, setFollow] = useState(true);
  const tail = useLogTail(follow);
  const shown = useMemo(() => tail.lines.filter((l) => passes(l.level, level)), [tail.lines, level]);
  const box = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    if (follow && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [shown, follow]);

  return (
    <section data-testid="page-logs">
      <h1>Logs</h1>
      <div class="row log-controls">
        <label>
          Level
          <select data-testid="logs-level" value={level} onChange={(e) => setLevel((e.target as HTMLSelectElement).value as LevelFilter)}>
            {LEVEL_FILTERS.map((f) => (
              <option key={f.value} value={f.value}>{f.label}</option>
            ))}
          </select>
        </label>
        <label>
          <input type="checkbox" data-testid="logs-follow" checked={follow} onChange={(e) => setFollow((e.target as HTMLInputElement).checked)} />
          Follow
        </label>
        <span class="muted">
          {shown.length === tail.lines.length ? `${tail.lines.length} lines` : `${shown.length} of ${tail.lines.length} lines`}
          {tail.lines.length >= MAX_LINES ? ` (only the newest ${MAX_LINES} are kept)` : ""}
        </span>
      </div>
      {tail.error ? <p class="error" role="alert">{tail.error}</p> : null}
      {tail.notice ? <p class="hint" role="status">{tail.notice}</p> : null}
      <div class="log-box" ref={box} role="log" aria-label="Log lines" tabIndex={0}>
        {shown.map((l) => (
          <LogLineView key={l.id} line={l} />
        ))}
        {shown.length === 0 && !(tail.error && !tail.file) ? <p class="muted">{tail.lines.length > 0 ? "No lines at this level." : tail.file ? "The log is empty so far." : "Loading…"}</p> : null}
      </div>
      {tail.file ? <p class="hint">Reading <code>{tail.file}</code></p> : null}
    </section>
  );
}
