import type { LogLine } from "./parse";

export function LogLineView({ line }: { line: LogLine }) {
  return (
    <div class={`log-line level-${line.level}`} data-testid="log-line" data-level={line.level}>
      <span class="log-time" title={line.timeTitle || undefined}>{line.time}</span>
      <span class="log-level">{line.level}</span>
      {line.subsystem ? <span class="log-subsystem">{line.subsystem}</span> : null}
      <span class="log-message">{line.message}</span>
    </div>
  );
}
