import { useState } from "preact/hooks";
import type { ToolView } from "./messages";

const MAX_SHOWN = 20_000;
/** Cards the user opened, so a card scrolled out of the window and back stays open. */
const opened = new Set<string>();

function pretty(text: string | undefined): string {
  if (!text) return "";
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function Block(props: { label: string; text: string }) {
  const text = props.text.length > MAX_SHOWN ? `${props.text.slice(0, MAX_SHOWN)}\n… (${props.text.length - MAX_SHOWN} more characters)` : props.text;
  return (
    <div class="tool-block">
      <div class="muted">{props.label}</div>
      <pre>{text}</pre>
    </div>
  );
}

/** One tool call: name and state in a button that opens its arguments and result. */
export function ToolCard(props: { rowKey: string; tool: ToolView }) {
  const t = props.tool;
  const [open, setOpen] = useState(opened.has(t.id));
  const state = t.running ? "running…" : t.isError ? "failed" : t.result !== undefined ? `done${t.durationMs !== undefined ? ` in ${t.durationMs} ms` : ""}` : "called";
  const toggle = () => {
    if (open) opened.delete(t.id);
    else opened.add(t.id);
    setOpen(!open);
  };
  const bodyId = `tool-${props.rowKey.replace(/[^\w-]/g, "_")}`;
  return (
    <div class={`tool-card${t.isError ? " failed" : ""}`} data-testid="tool-card" data-tool-name={t.name}>
      <button type="button" class="tool-head" aria-expanded={open} aria-controls={bodyId} onClick={toggle}>
        <span aria-hidden="true">{open ? "▾" : "▸"}</span> <span class="tool-name">{t.name}</span> <span class="muted">{state}</span>
      </button>
      {open ? (
        <div class="tool-body" id={bodyId}>
          {t.args ? <Block label="Arguments" text={pretty(t.args)} /> : null}
          {t.result !== undefined ? <Block label={t.isError ? "Error" : "Result"} text={t.result} /> : t.partial ? <Block label="Progress" text={t.partial} /> : null}
          {!t.args && t.result === undefined && !t.partial ? <p class="muted">No details.</p> : null}
        </div>
      ) : null}
    </div>
  );
}
