/**
 * A stand-in for the `tailscale` CLI (no tailnet is reachable in tests). Every call appends its
 * argv as one JSON line to `<dir>/calls.jsonl`; answers come from files the test writes in `<dir>`
 * (TAILSCALE_STANDIN_DIR):
 *   status --json            status.json (default: Running, DNSName gw.example.ts.net.)
 *   serve status --json      serve-status.json (default: {})
 *   whois --json <ip>        whois/<ip>.json, else exit 1 like an unknown peer
 *   serve|funnel --yes --bg=false <target>
 *                            prints what the real one prints ("Press Ctrl+C to exit.") and stays
 *                            running until signalled, with its pid in owner.pid (events.jsonl
 *                            records each claim and release); when owner-fail.txt
 *                            exists it prints that to stderr and exits 1 instead; when owner-silent
 *                            exists it never says the route is live
 *   … off, serve reset, funnel reset, version: exit 0
 * `installTailscaleStandIn(root)` makes a bin folder with a `tailscale` executable to put first on PATH.
 */
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const DEFAULT_STATUS = { BackendState: "Running", Self: { DNSName: "gw.example.ts.net.", TailscaleIPs: ["100.101.102.103"] } };

function answerFile(dir: string, name: string, fallback: unknown): void {
  const path = join(dir, name);
  process.stdout.write(existsSync(path) ? readFileSync(path, "utf8") : JSON.stringify(fallback) + "\n");
}

function holdRoute(dir: string, mode: string, target: string): void {
  const failure = join(dir, "owner-fail.txt");
  if (existsSync(failure)) {
    process.stderr.write(readFileSync(failure, "utf8"));
    process.exit(1);
  }
  writeFileSync(join(dir, "owner.pid"), String(process.pid));
  appendFileSync(join(dir, "events.jsonl"), JSON.stringify({ claimed: mode }) + "\n");
  const where = mode === "funnel" ? "Available on the internet:" : "Available within your tailnet:";
  const ready = existsSync(join(dir, "owner-silent")) ? "" : "\nPress Ctrl+C to exit.\n";
  process.stdout.write(`${where}\n\nhttps://gw.example.ts.net/\n|-- proxy ${target}\n${ready}`);
  const release = (signal: string) => {
    appendFileSync(join(dir, "events.jsonl"), JSON.stringify({ released: mode, signal }) + "\n");
    process.exit(0);
  };
  process.on("SIGTERM", () => release("SIGTERM"));
  process.on("SIGINT", () => release("SIGINT"));
  setInterval(() => {}, 60_000);
}

function main(argv: string[]): void {
  const dir = process.env.TAILSCALE_STANDIN_DIR;
  if (!dir) {
    process.stderr.write("TAILSCALE_STANDIN_DIR is not set\n");
    process.exit(2);
  }
  appendFileSync(join(dir, "calls.jsonl"), JSON.stringify(argv) + "\n");
  const [cmd, ...rest] = argv;
  const line = argv.join(" ");
  if (line === "status --json") return answerFile(dir, "status.json", DEFAULT_STATUS);
  if (line === "serve status --json") return answerFile(dir, "serve-status.json", {});
  if (cmd === "whois" && rest[0] === "--json" && rest.length === 2) {
    const path = join(dir, "whois", `${rest[1]}.json`);
    if (existsSync(path)) return void process.stdout.write(readFileSync(path, "utf8"));
    process.stderr.write(`peer "${rest[1]}" not found\n`);
    process.exit(1);
  }
  if ((cmd === "serve" || cmd === "funnel") && rest[0] === "--yes" && rest[1] === "--bg=false" && rest.length === 3) return holdRoute(dir, cmd, rest[2]);
  if ((cmd === "serve" || cmd === "funnel") && (rest.at(-1) === "off" || line.endsWith(" reset"))) return;
  if (cmd === "version") return void process.stdout.write("1.80.0\n");
  process.stderr.write(`tailscale stand-in: unsupported command: ${line}\n`);
  process.exit(1);
}

export type TailscaleStandIn = {
  /** Put first on PATH. */
  binDir: string;
  /** TAILSCALE_STANDIN_DIR: answers go in, calls.jsonl comes out. */
  dir: string;
  /** Env additions for a process that should find the stand-in. */
  env(basePath?: string): Record<string, string>;
  calls(): string[][];
  /** `{claimed: mode}` when a foreground owner starts, `{released: mode, signal}` when it is signalled. */
  events(): Array<{ claimed?: string; released?: string; signal?: string }>;
  ownerPid(): number | undefined;
  writeStatus(status: unknown): void;
  writeServeStatus(status: unknown): void;
  writeWhois(ip: string, answer: unknown): void;
  failOwner(stderr: string): void;
  silenceOwner(): void;
};

/** Running, not merely an unreaped zombie (this machine's init does not reap orphans). */
export function isRunning(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0] !== "Z";
  } catch {
    return false;
  }
}

function jsonLines<T>(path: string): T[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);
}

export function installTailscaleStandIn(root: string): TailscaleStandIn {
  const binDir = join(root, "tailscale-bin");
  const dir = join(root, "tailscale-standin");
  mkdirSync(binDir, { recursive: true });
  mkdirSync(join(dir, "whois"), { recursive: true });
  const script = fileURLToPath(import.meta.url);
  writeFileSync(join(binDir, "tailscale"), `#!/bin/sh\nexec "${process.execPath}" "${script}" "$@"\n`);
  chmodSync(join(binDir, "tailscale"), 0o755);
  return {
    binDir,
    dir,
    env: (basePath = process.env.PATH ?? "") => ({ PATH: `${binDir}:${basePath}`, TAILSCALE_STANDIN_DIR: dir }),
    calls: () => jsonLines<string[]>(join(dir, "calls.jsonl")),
    events: () => jsonLines(join(dir, "events.jsonl")),
    ownerPid: () => (existsSync(join(dir, "owner.pid")) ? Number(readFileSync(join(dir, "owner.pid"), "utf8")) : undefined),
    writeStatus: (status) => writeFileSync(join(dir, "status.json"), JSON.stringify(status)),
    writeServeStatus: (status) => writeFileSync(join(dir, "serve-status.json"), JSON.stringify(status)),
    writeWhois: (ip, answer) => writeFileSync(join(dir, "whois", `${ip}.json`), JSON.stringify(answer)),
    failOwner: (stderr) => writeFileSync(join(dir, "owner-fail.txt"), stderr),
    silenceOwner: () => writeFileSync(join(dir, "owner-silent"), ""),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main(process.argv.slice(2));
