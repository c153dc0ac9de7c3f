import { setTimeout as sleep } from "node:timers/promises";
import { asRecord, parseTailscaleJson, TailscaleCommandError, type TailscaleExec } from "./tailscale-cli.js";

/** How long a gateway started at boot waits for tailscaled to come up. */
export const TAILSCALE_READY_WAIT_MS = 90_000;
export const TAILSCALE_READY_POLL_MS = 2000;

/** States tailscaled reports only while it is still starting. */
const BOOTING_STATES = new Set(["NoState", "Starting"]);

export type ReadyWaitOptions = {
  deadlineMs?: number;
  pollMs?: number;
  /** Called once per new reason for waiting ("Starting", "daemon not reachable"). */
  onWaiting?: (why: string) => void;
  wait?: (ms: number) => Promise<unknown>;
  now?: () => number;
};

/** The daemon answers but is in no state to serve (logged out, stopped, …): fail closed. */
export class TailscaleNotReadyError extends Error {}

function daemonUnreachable(err: unknown): boolean {
  if (!(err instanceof TailscaleCommandError) || err.missing) return false;
  const text = `${err.message}\n${err.output.stderr}\n${err.output.stdout}`.toLowerCase();
  return err.timedOut || text.includes("failed to connect to local tailscale") || text.includes("connection refused") || text.includes("503 service unavailable");
}

function notRunningMessage(state: string): string {
  return `Tailscale is not running (BackendState "${state}"). Log in and connect with \`tailscale up\`, then start the gateway again; or set gateway.tailscale.mode to "off".`;
}

/**
 * `tailscale status --json` until BackendState is "Running"; returns that status. While the daemon
 * is booting (NoState, Starting, not accepting connections) it polls up to the deadline; any other
 * state, or a missing CLI, fails at once.
 */
export async function waitForTailscaleRunning(exec: TailscaleExec, opts: ReadyWaitOptions = {}): Promise<Record<string, unknown>> {
  const now = opts.now ?? Date.now;
  const wait = opts.wait ?? sleep;
  const deadline = now() + (opts.deadlineMs ?? TAILSCALE_READY_WAIT_MS);
  let announced = "";
  for (;;) {
    let pending: string;
    try {
      const status = parseTailscaleJson((await exec(["status", "--json"])).stdout);
      const state = typeof status.BackendState === "string" ? status.BackendState : "unknown";
      if (state === "Running") return status;
      if (!BOOTING_STATES.has(state)) throw new TailscaleNotReadyError(notRunningMessage(state));
      pending = state;
    } catch (err) {
      if (!daemonUnreachable(err)) {
        if (err instanceof TailscaleCommandError || err instanceof TailscaleNotReadyError) throw err;
        throw new TailscaleNotReadyError(`tailscale status --json gave an answer the gateway cannot read (${(err as Error).message}). Check \`tailscale status\`.`);
      }
      pending = "daemon not reachable";
    }
    if (now() >= deadline) {
      throw new TailscaleNotReadyError(`Tailscale did not become ready within ${Math.round((opts.deadlineMs ?? TAILSCALE_READY_WAIT_MS) / 1000)}s (${pending}). Check \`tailscale status\`, then start the gateway again.`);
    }
    if (pending !== announced) {
      opts.onWaiting?.(pending);
      announced = pending;
    }
    await wait(opts.pollMs ?? TAILSCALE_READY_POLL_MS);
  }
}

/** This machine's MagicDNS name (without the trailing dot), or its first Tailscale IP. */
export function tailnetHostname(status: Record<string, unknown>): string | undefined {
  const self = asRecord(status.Self);
  const dns = typeof self?.DNSName === "string" ? self.DNSName.replace(/\.$/, "") : "";
  if (dns) return dns;
  const ips = Array.isArray(self?.TailscaleIPs) ? self.TailscaleIPs : [];
  return typeof ips[0] === "string" ? ips[0] : undefined;
}
