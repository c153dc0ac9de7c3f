import { createLogger } from "../../../infra/logger.js";
import type { CommandSegment } from "./allowlist-match.js";
import type { ApprovalsFileStore } from "./approvals-file.js";
import { redactCommandText } from "./command-redaction.js";

const log = createLogger("exec-approvals");

/** Last-used stamps are rewritten at most this often per entry, so busy allowlists do not churn the file. */
export const TOUCH_INTERVAL_MS = 60_000;

export type Touch = (agentId: string, segments: CommandSegment[], commandText: string) => void;

/**
 * Notes on allowlist entries when they last allowed a command (best effort). Writes already
 * started count too, so a burst of commands read before the first stamp lands writes once.
 */
export function lastUsedStamps(file: ApprovalsFileStore, now: () => number): Touch {
  const written = new Map<string, number>();
  return (agentId, segments, commandText) => {
    const at = now();
    for (const [id, when] of written) if (at - when >= TOUCH_INTERVAL_MS) written.delete(id);
    const due = segments.filter((s) => s.entry && !written.has(s.entry.id) && (s.entry.lastUsedAt === undefined || at - s.entry.lastUsedAt >= TOUCH_INTERVAL_MS));
    if (due.length === 0) return;
    for (const segment of due) written.set(segment.entry!.id, at);
    const command = redactCommandText(commandText);
    file
      .update((f) => {
        let changed = false;
        for (const agent of [f.agents?.[agentId], f.agents?.["*"]]) {
          for (const entry of agent?.allowlist ?? []) {
            const segment = due.find((s) => s.entry!.id === entry.id);
            if (!segment) continue;
            entry.lastUsedAt = at;
            entry.lastUsedCommand = command;
            if (segment.resolvedPath) entry.lastResolvedPath = segment.resolvedPath;
            changed = true;
          }
        }
        return changed;
      })
      .catch((err: Error) => log.debug(`allowlist last-used stamp not saved: ${err.message}`));
  };
}
