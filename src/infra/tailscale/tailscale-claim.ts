import type { ChildProcess } from "node:child_process";
import { killGuardGroup, spawnGuarded } from "./claim-guard.js";
import { parseTailscaleJson, runTailscale, TAILSCALE_BIN, type TailscaleExec } from "./tailscale-cli.js";
import { checkHttpsRootRoute, rootRouteConflictMessage } from "./tailscale-routes.js";
import { tailnetHostname, waitForTailscaleRunning, type ReadyWaitOptions } from "./tailscale-status.js";

export type TailscaleIngressMode = "serve" | "funnel";

/** What foreground `tailscale serve|funnel` prints once the route is live. */
const READY_MARKER = "Press Ctrl+C to exit.";
export const CLAIM_START_TIMEOUT_MS = 15_000;
const CLAIM_STOP_TIMEOUT_MS = 4000;
const MAX_KEPT_OUTPUT = 4000;

/** Another route owns HTTPS :443; the gateway refuses to start (exit 78) rather than touch it. */
export class TailscaleRouteConflictError extends Error {}

export type ClaimExit = { code: number | null; signal: NodeJS.Signals | null; expected: boolean };

export type TailscaleClaim = {
  /** `https://<MagicDNS name>/`, when tailscale reported one. */
  readonly url: string | undefined;
  /** Settles when the route owner exits; `expected` is false when nobody asked it to. */
  readonly exited: Promise<ClaimExit>;
  /** Ends the claim (the route goes away with it) and waits for the owner to exit. */
  stop(): Promise<void>;
};

export type ClaimOptions = {
  mode: TailscaleIngressMode;
  /** Where the route proxies to: the gateway's managed listener. */
  target: string;
  /** The ordinary gateway port, to recognise a route an older release pointed at it. */
  gatewayPort: number;
  info: (line: string) => void;
  exec?: TailscaleExec;
  ready?: ReadyWaitOptions;
  startTimeoutMs?: number;
};

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim().slice(0, 500);
}

function ownerFailure(mode: TailscaleIngressMode, output: string, why: string): Error {
  const port = /listener already exists for port (\d+)/i.exec(output)?.[1];
  if (port) {
    return new TailscaleRouteConflictError(
      `Tailscale HTTPS port ${port} is already held by another foreground Serve/Funnel session; it was left unchanged. ` +
        "Inspect `tailscale serve status --json` (Foreground), stop the process that owns that session, then start the gateway again.",
    );
  }
  const said = oneLine(output);
  return new Error(`tailscale ${mode} ${why}${said ? `: ${said}` : ""}`);
}

/** Starts the foreground route owner and resolves once tailscale says the route is live. */
function startRouteOwner(mode: TailscaleIngressMode, target: string, timeoutMs: number): Promise<ChildProcess> {
  const child = spawnGuarded(TAILSCALE_BIN, [mode, "--yes", "--bg=false", target]);
  let output = "";
  // The guard may be gone by the time the pipe is closed; that is not an error worth a crash.
  child.stdin?.on("error", () => {});
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (err: Error | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      child.stderr?.off("data", onData);
      child.off("exit", onEarlyExit);
      if (!err) return resolve(child);
      // TERM first: the guard then waits for (and reaps) the command before it exits.
      killGuardGroup(child, "SIGTERM");
      setTimeout(() => killGuardGroup(child, "SIGKILL"), CLAIM_STOP_TIMEOUT_MS).unref();
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString("utf8")).slice(-MAX_KEPT_OUTPUT);
      if (output.includes(READY_MARKER)) settle(null);
    };
    const onEarlyExit = (code: number | null) => settle(ownerFailure(mode, output, `exited (code ${code ?? "?"}) before the route was live`));
    const timer = setTimeout(() => settle(ownerFailure(mode, output, `did not report the route live within ${timeoutMs / 1000}s`)), timeoutMs);
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", onEarlyExit);
    child.on("error", (err) => settle(new Error(`could not start tailscale ${mode}: ${err.message}`)));
    // Keep reading after start-up so a chatty owner never blocks on a full pipe.
    child.stdout?.resume();
    child.stderr?.resume();
  });
}

function watchOwner(child: ChildProcess, stopRequested: () => boolean): Promise<ClaimExit> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve({ code: child.exitCode, signal: child.signalCode, expected: stopRequested() });
    child.once("exit", (code, signal) => resolve({ code, signal, expected: stopRequested() }));
  });
}

async function readServeStatus(exec: TailscaleExec): Promise<Record<string, unknown>> {
  const text = (await exec(["serve", "status", "--json"])).stdout;
  if (!text.trim()) return {};
  try {
    return parseTailscaleJson(text);
  } catch (err) {
    throw new Error(`tailscale serve status --json gave an answer the gateway cannot read (${(err as Error).message}). Check \`tailscale serve status\`.`);
  }
}

async function currentHostname(exec: TailscaleExec): Promise<string | undefined> {
  try {
    return tailnetHostname(parseTailscaleJson((await exec(["status", "--json"])).stdout));
  } catch {
    return undefined;
  }
}

/**
 * Claims the HTTPS route for the gateway: waits for tailscaled, refuses a :443 root route it cannot
 * prove it owns, adopts one an older release left on the gateway port, then runs
 * `tailscale serve|funnel --yes --bg=false <target>` for as long as the claim lives.
 */
export async function claimTailscaleRoute(opts: ClaimOptions): Promise<TailscaleClaim> {
  const exec = opts.exec ?? runTailscale;
  const status = await waitForTailscaleRunning(exec, { onWaiting: (why) => opts.info(`waiting for the local Tailscale daemon (${why})`), ...opts.ready });
  const check = checkHttpsRootRoute(await readServeStatus(exec), opts.gatewayPort);
  if (check.kind === "conflict") throw new TailscaleRouteConflictError(rootRouteConflictMessage(check));
  if (check.kind === "adopt") await exec(["serve", "--yes", "--https=443", "--set-path=/", "off"]);

  const child = await startRouteOwner(opts.mode, opts.target, opts.startTimeoutMs ?? CLAIM_START_TIMEOUT_MS);
  if (check.kind === "adopt") opts.info(`Tailscale route adopted from a previous OpenClaw release (${check.route})`);
  let stopRequested = false;
  const exited = watchOwner(child, () => stopRequested);
  // Asked again once the route is live: right after boot the DNS name may only just have settled.
  const host = (await currentHostname(exec)) ?? tailnetHostname(status);
  return {
    url: host ? `https://${host}/` : undefined,
    exited,
    async stop() {
      if (!stopRequested) {
        stopRequested = true;
        child.stdin?.end();
        killGuardGroup(child, "SIGTERM");
      }
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), CLAIM_STOP_TIMEOUT_MS)));
      if ((await Promise.race([exited, late])) === "late") {
        killGuardGroup(child, "SIGKILL");
        await exited;
      }
      clearTimeout(timer);
    },
  };
}

/** `tailscale serve reset` / `tailscale funnel reset`: clears every Serve/Funnel route on this machine. */
export async function resetTailscaleRoutes(mode: TailscaleIngressMode, exec: TailscaleExec = runTailscale): Promise<void> {
  await exec([mode, "reset"]);
}
