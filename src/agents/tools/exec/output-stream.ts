import { BoundedOutput } from "./bounded-output.js";
import type { RunningCommand } from "./run-command.js";
import type { ToolUpdate } from "../types.js";

/** Updates carry at most this much of what arrived since the previous one. */
const UPDATE_HEAD_BYTES = 2 * 1024;
const UPDATE_TAIL_BYTES = 6 * 1024;
export const UPDATE_INTERVAL_MS = 250;

/**
 * Streams a command's new output as `update({text})`, at most once per interval; each update
 * holds only what arrived since the last. Returns the function that stops streaming.
 */
export function streamOutput(command: RunningCommand, update: (progress: ToolUpdate) => void, intervalMs = UPDATE_INTERVAL_MS): () => void {
  let batch: BoundedOutput | null = null;
  let timer: NodeJS.Timeout | null = null;
  let lastSent = 0;
  const flush = () => {
    timer = null;
    if (!batch) return;
    const text = batch.text();
    batch = null;
    lastSent = Date.now();
    try {
      update({ text });
    } catch {
      // A listener's failure must not disturb the command.
    }
  };
  const unsubscribe = command.onOutput((chunk) => {
    batch ??= new BoundedOutput(UPDATE_HEAD_BYTES, UPDATE_TAIL_BYTES);
    batch.push(chunk);
    if (!timer) timer = setTimeout(flush, Math.max(0, lastSent + intervalMs - Date.now()));
  });
  return () => {
    unsubscribe();
    if (timer) clearTimeout(timer);
    timer = null;
    batch = null;
  };
}
