import { execFile } from "node:child_process";

/** The CLI on PATH; every tailscale command the gateway runs goes through it. */
export const TAILSCALE_BIN = "tailscale";
export const TAILSCALE_EXEC_TIMEOUT_MS = 5000;
const MAX_OUTPUT_BYTES = 400_000;

export const TAILSCALE_MISSING_MESSAGE =
  'Tailscale CLI not found on PATH. Install Tailscale and log in (tailscale up), or set gateway.tailscale.mode to "off".';

export type TailscaleOutput = { stdout: string; stderr: string };
export type TailscaleExec = (args: string[], opts?: { timeoutMs?: number }) => Promise<TailscaleOutput>;

/** A tailscale command that failed: it exited non-zero, timed out, or could not start. */
export class TailscaleCommandError extends Error {
  constructor(
    message: string,
    readonly output: TailscaleOutput,
    readonly timedOut = false,
    readonly missing = false,
  ) {
    super(message);
  }
}

/** The first line of what a failed command printed, for error messages. */
export function firstOutputLine(output: TailscaleOutput): string {
  const text = output.stderr.trim() || output.stdout.trim();
  return text.split("\n")[0]?.trim().slice(0, 300) ?? "";
}

/** Runs `tailscale <args>` with a timeout; output is returned as text, never logged. */
export const runTailscale: TailscaleExec = (args, opts = {}) =>
  new Promise((resolve, reject) => {
    execFile(TAILSCALE_BIN, args, { timeout: opts.timeoutMs ?? TAILSCALE_EXEC_TIMEOUT_MS, maxBuffer: MAX_OUTPUT_BYTES, encoding: "utf8" }, (err, stdout, stderr) => {
      const output = { stdout: String(stdout ?? ""), stderr: String(stderr ?? "") };
      if (!err) return resolve(output);
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return reject(new TailscaleCommandError(TAILSCALE_MISSING_MESSAGE, output, false, true));
      const timedOut = (err as { killed?: boolean }).killed === true;
      const why = timedOut ? `timed out after ${opts.timeoutMs ?? TAILSCALE_EXEC_TIMEOUT_MS}ms` : firstOutputLine(output) || err.message;
      reject(new TailscaleCommandError(`tailscale ${args.join(" ")} failed: ${why}`, output, timedOut));
    });
  });

/**
 * The JSON object in a command's output. Tailscale can print warnings ("Warning: client version
 * ... != tailscaled server version ...") around it, so the outermost braces are taken.
 */
export function parseTailscaleJson(stdout: string): Record<string, unknown> {
  const start = stdout.indexOf("{");
  const end = stdout.lastIndexOf("}");
  if (start < 0 || end <= start) throw new Error("tailscale printed no JSON object");
  const parsed: unknown = JSON.parse(stdout.slice(start, end + 1));
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("tailscale printed JSON that is not an object");
  return parsed as Record<string, unknown>;
}

export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
