import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NewEntry } from "./types.js";

const tempDirs: string[] = [];
process.on("exit", () => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** A database path inside a fresh directory that is removed when the test process exits. */
export function tempStorePath(): string {
  const dir = mkdtempSync(join(tmpdir(), "ocgw-store-"));
  tempDirs.push(dir);
  return join(dir, "agent", "openclaw-agent.sqlite");
}

export function message(role: "user" | "assistant" | "toolResult", text: string, extra: Partial<NewEntry> = {}): NewEntry {
  return { type: "message", role, text, data: {}, runId: null, idempotencyKey: null, ...extra };
}
