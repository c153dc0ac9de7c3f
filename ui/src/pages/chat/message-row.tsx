import type { Row, ToolView } from "./messages";
import { ToolCard } from "./tool-card";

const LABEL = { user: "You", assistant: "Assistant", tool: "Tool" } as const;

/** One message (or one tool call) of the transcript, as text. */
export function MessageRow(props: { row: Row; live?: ToolView }) {
  const { row } = props;
  const tool = row.role === "tool" ? merged(row.tool, props.live) : null;
  return (
    <article class={`chat-msg ${row.role}${"pending" in row && row.pending ? " pending" : ""}`} data-testid="chat-message" data-role={row.role} aria-label={LABEL[row.role]}>
      {tool ? (
        <ToolCard rowKey={row.key} tool={tool} />
      ) : row.role !== "tool" ? (
        <>
          <div class="chat-msg-who muted">
            {row.note ?? LABEL[row.role]}
          </div>
          <div class="chat-text">{row.text}</div>
        </>
      ) : null}
    </article>
  );
}

/** A transcript tool call with what its live events add (progress, a result not yet recorded). */
function merged(t: ToolView, live: ToolView | undefined): ToolView {
  if (!live || live === t) return t;
  return { ...t, args: t.args ?? live.args, result: t.result ?? live.result, isError: t.isError ?? live.isError, partial: live.partial, durationMs: t.durationMs ?? live.durationMs, running: t.result === undefined && Boolean(live.running) };
}
