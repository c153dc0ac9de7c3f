/**
 * A real IRC daemon for tests: Debian's ngIRCd (`apt-get install ngircd`; .ci/run installs it),
 * run in the foreground with a config of our own on a free loopback port.
 *
 *   const irc = ircAvailable();                        // { ok: false, reason } where ngircd is missing
 *   test("...", { skip: irc.ok ? false : irc.reason }, async () => {
 *     const ircd = await startIrcDaemon({ channels: ["#openclaw"] });
 *     const alice = await connectIrc(ircd.host, ircd.port, "alice");  // from ./irc-test-client.js
 *   });
 *
 * Every daemon still running when the test file ends is stopped (SIGKILL) and its temp dir removed.
 * Not a *.test.ts file, so `node --test` does not run it by itself.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { after } from "node:test";
import { connectIrc } from "./irc-test-client.js";

export type IrcChannelSpec = string | { name: string; topic?: string; /** e.g. "+nt" or "+k secret"; pre-defined channels always get +P (persistent). */ modes?: string };

export type IrcDaemonOptions = {
  /** [Global] Name: the prefix of server replies (":irc.openclaw.test 001 ..."). Must contain a dot. */
  serverName?: string;
  /** Channels that exist from the start ([Channel] sections); they persist when empty and have no +n (outsiders may message them). */
  channels?: IrcChannelSpec[];
  /** Seconds of silence before the server PINGs a client (ngircd's minimum and the floor here: 5). Default 120. */
  pingTimeoutSec?: number;
  /** Seconds a client has to answer that PING before it is dropped (minimum 5). Default 20. */
  pongTimeoutSec?: number;
  /** Default 30 (ngircd allows up to 31; RFC 2812's 9 is too short for bot nicks). */
  maxNickLength?: number;
  /** A server password clients must send with PASS. Default: none. */
  password?: string;
  /** Extra `Key = value` lines per section, appended after ours (a later key wins). */
  extra?: Partial<Record<"Global" | "Limits" | "Options", Record<string, string | number | boolean>>>;
  /** Default 15 s: spawn to a successful NICK/USER -> 001 registration. */
  startTimeoutMs?: number;
};

export type IrcDaemon = {
  readonly host: string;
  readonly port: number;
  readonly serverName: string;
  readonly configPath: string;
  /** The current process' pid (changes on restart); -1 when not running. */
  readonly pid: number;
  readonly running: boolean;
  /** SIGTERM (SIGKILL after 3 s) and wait for the exit. Idempotent; restart() brings it back. */
  stop(): Promise<void>;
  /** SIGKILL and wait for the exit: a crash, as far as clients can tell. */
  kill(): Promise<void>;
  /** Stops it if it runs, then starts it again on the same port with the same config (and waits until it registers a client). */
  restart(): Promise<void>;
  /** Everything ngircd printed (stdout + stderr, all runs), for assertion messages. */
  logs(): string;
};

const SEARCH_DIRS = ["/usr/sbin", "/usr/local/sbin", "/sbin"];

/** The ngircd binary: on PATH or in an sbin dir (a non-root PATH often lacks /usr/sbin). */
export function findNgircd(): string | null {
  const dirs = [...(process.env.PATH ?? "").split(delimiter).filter(Boolean), ...SEARCH_DIRS];
  for (const dir of dirs) {
    const candidate = join(dir, "ngircd");
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return null;
}

export function ircAvailable(): { ok: true } | { ok: false; reason: string } {
  if (process.platform === "win32") return { ok: false, reason: "the IRC tests run ngircd, which needs Linux or macOS" };
  return findNgircd() ? { ok: true } : { ok: false, reason: "ngircd is not installed; apt-get install ngircd (.ci/run does)" };
}

/** A loopback port that was free a moment ago. */
function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen({ port: 0, host: "127.0.0.1", exclusive: true }, () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === "object" && address ? address.port : 0));
    });
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * The config. Why each setting:
 * - Listen 127.0.0.1 + a free unprivileged port: loopback only, no root needed to bind, no clashes.
 * - PidFile empty: no pid file at all (the default would be under /var/run).
 * - ServerUID/ServerGID 65534 when root: ngircd refuses to keep running as root and switches to
 *   "nobody" anyway (it says "ServerUID must not be root(0)"); we say so explicitly. It binds first.
 * - IncludeDir: our own empty dir, so the system's /etc/ngircd/conf.d snippets are never read.
 * - MotdPhrase (and no MotdFile, no HelpFile): nothing read from /etc; registration still ends with a MOTD.
 * - DNS/Ident/PAM = no: no reverse lookups, ident probes or PAM calls, each of which delays or
 *   alters registration (PAM would also reject clients without a password).
 * - MaxConnectionsIP = 0: every test client comes from 127.0.0.1 (the default allows 5).
 * - MaxPenaltyTime = 0: no flood penalties, so a burst of test lines is answered immediately.
 * - MaxJoins = 0, MaxNickLength 30: no arbitrary limits in the way of tests.
 * Logging: with --nodaemon ngircd logs to stdout (and syslog, harmlessly absent here); we capture stdout+stderr.
 */
function configText(o: Required<Pick<IrcDaemonOptions, "serverName" | "channels" | "pingTimeoutSec" | "pongTimeoutSec" | "maxNickLength">> & IrcDaemonOptions, port: number, includeDir: string): string {
  const line = (k: string, v: string | number | boolean) => `\t${k} = ${typeof v === "boolean" ? (v ? "yes" : "no") : v}`;
  const extra = (section: "Global" | "Limits" | "Options") => Object.entries(o.extra?.[section] ?? {}).map(([k, v]) => line(k, v));
  const root = process.getuid?.() === 0;
  const out = [
    "[Global]",
    line("Name", o.serverName),
    line("Info", "openclaw-gateway test ircd"),
    line("AdminInfo1", "openclaw-gateway tests"),
    line("AdminInfo2", "loopback"),
    line("AdminEMail", "nobody@invalid"),
    line("Listen", "127.0.0.1"),
    line("Ports", port),
    line("PidFile", ""),
    line("MotdFile", ""),
    line("MotdPhrase", "openclaw-gateway test server"),
    line("HelpFile", ""),
    ...(o.password !== undefined ? [line("Password", o.password)] : []),
    ...(root ? [line("ServerUID", 65534), line("ServerGID", 65534)] : []),
    ...extra("Global"),
    "[Limits]",
    line("MaxConnectionsIP", 0),
    line("MaxJoins", 0),
    line("MaxNickLength", o.maxNickLength),
    line("MaxPenaltyTime", 0),
    line("PingTimeout", Math.max(5, o.pingTimeoutSec)),
    line("PongTimeout", Math.max(5, o.pongTimeoutSec)),
    ...extra("Limits"),
    "[Options]",
    line("DNS", false),
    line("Ident", false),
    line("PAM", false),
    line("IncludeDir", includeDir),
    ...extra("Options"),
  ];
  for (const spec of o.channels) {
    const ch = typeof spec === "string" ? { name: spec } : spec;
    out.push("[Channel]", line("Name", ch.name));
    if (ch.topic) out.push(line("Topic", ch.topic));
    if (ch.modes) out.push(line("Modes", ch.modes));
  }
  return out.join("\n") + "\n";
}

const MAX_LOG = 256 * 1024;
const daemons = new Set<{ child: ChildProcess | null; dir: string }>();

export async function startIrcDaemon(opts: IrcDaemonOptions = {}): Promise<IrcDaemon> {
  const bin = findNgircd();
  if (!bin) throw new Error((ircAvailable() as { reason: string }).reason);
  const o = { serverName: "irc.openclaw.test", channels: [], pingTimeoutSec: 120, pongTimeoutSec: 20, maxNickLength: 30, ...opts };
  const startTimeoutMs = opts.startTimeoutMs ?? 15_000;
  const dir = mkdtempSync(join(tmpdir(), "ocgw-ircd-"));
  const includeDir = join(dir, "conf.d");
  mkdirSync(includeDir);
  const configPath = join(dir, "ngircd.conf");
  const state: { child: ChildProcess | null; dir: string } = { child: null, dir };
  daemons.add(state);
  let log = "";
  let exited: Promise<void> = Promise.resolve();
  let port = 0;

  const append = (chunk: string) => {
    log += chunk;
    if (log.length > MAX_LOG) log = log.slice(-MAX_LOG);
  };

  /** One attempt: spawn and wait for a registration. Resolves false when ngircd exited (e.g. the port was taken). */
  const launch = async (): Promise<boolean> => {
    writeFileSync(configPath, configText(o, port, includeDir), { mode: 0o644 });
    append(`--- ngircd on 127.0.0.1:${port} ---\n`);
    // --passive: never try to link to other servers; cwd: the temp dir (ngircd may chdir, it must exist).
    const child = spawn(bin, ["--nodaemon", "--passive", "--config", configPath], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    state.child = child;
    child.stdout!.setEncoding("utf8").on("data", append);
    child.stderr!.setEncoding("utf8").on("data", append);
    let gone = false;
    exited = new Promise<void>((resolveExit) => {
      const done = (why: string) => {
        if (gone) return;
        gone = true;
        if (state.child === child) state.child = null;
        append(`--- ngircd exited: ${why} ---\n`);
        resolveExit();
      };
      child.once("close", (code, signal) => done(`code=${code} signal=${signal}`));
      child.once("error", (err) => done(err.message));
    });
    const deadline = Date.now() + startTimeoutMs;
    for (let n = 0; ; n++) {
      if (gone) return false;
      try {
        const probe = await connectIrc("127.0.0.1", port, `probe${n}`, { password: o.password, timeoutMs: 2000 });
        await probe.quit("ready check");
        return true;
      } catch (err) {
        if (gone) return false;
        if (Date.now() > deadline) {
          child.kill("SIGKILL");
          await exited;
          throw new Error(`ngircd did not register a client on 127.0.0.1:${port} within ${startTimeoutMs}ms (${(err as Error).message})\n${log}`);
        }
        await sleep(25);
      }
    }
  };

  const start = async (fixedPort: boolean) => {
    for (let attempt = 1; ; attempt++) {
      if (!fixedPort) port = await freePort();
      if (await launch()) return;
      // ngircd exits when it cannot listen; a fresh port usually fixes a lost race, the same port needs a moment.
      if (attempt >= (fixedPort ? 20 : 5)) throw new Error(`ngircd exited during startup on 127.0.0.1:${port}\n${log}`);
      await sleep(fixedPort ? 100 : 0);
    }
  };

  const signal = async (sig: NodeJS.Signals) => {
    const child = state.child;
    if (!child) return;
    child.kill(sig);
    const timer = sig === "SIGKILL" ? undefined : setTimeout(() => child.kill("SIGKILL"), 3000);
    await exited;
    clearTimeout(timer);
  };

  try {
    await start(false);
  } catch (err) {
    await signal("SIGKILL");
    daemons.delete(state);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  return {
    host: "127.0.0.1",
    get port() {
      return port;
    },
    serverName: o.serverName,
    configPath,
    get pid() {
      return state.child?.pid ?? -1;
    },
    get running() {
      return state.child !== null;
    },
    stop: () => signal("SIGTERM"),
    kill: () => signal("SIGKILL"),
    async restart() {
      await signal("SIGTERM");
      await start(true);
    },
    logs: () => log,
  };
}

/** SIGKILLs every daemon and removes its temp dir (registered as an `after` hook of the test file). */
export async function stopAllIrcDaemons(): Promise<void> {
  await Promise.all(
    [...daemons].map(async (d) => {
      const child = d.child;
      if (child && child.exitCode === null && child.signalCode === null) {
        const closed = new Promise((r) => child.once("close", r));
        child.kill("SIGKILL");
        await closed;
      }
      rmSync(d.dir, { recursive: true, force: true });
      daemons.delete(d);
    }),
  );
}

after(stopAllIrcDaemons);

process.on("exit", () => {
  for (const d of daemons) {
    try {
      d.child?.kill("SIGKILL");
    } catch {}
    try {
      rmSync(d.dir, { recursive: true, force: true });
    } catch {}
  }
});
