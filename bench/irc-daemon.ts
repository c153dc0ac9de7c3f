/**
 * Runs one ngircd for the channel section of the bench, as its own process:
 *   node dist/bench/irc-daemon.js <channel>
 * Prints one line `IRCD {"ok":true,"host":…,"port":…,"pid":…}` once the daemon registers a client
 * (or `IRCD {"ok":false,"reason":…}` when ngircd is not installed), then keeps the daemon until
 * SIGTERM/SIGINT, or until its parent is gone (the bench was killed: checked twice a second).
 *
 * A process of its own because test/irc/ngircd.ts registers a node:test `after` hook when it is
 * imported, which makes node print a TAP report on stdout at exit: harmless here, where only the
 * IRCD line is read, but it would corrupt the bench's own output (and its final BENCH_JSON line).
 */
import { ircAvailable, startIrcDaemon, stopAllIrcDaemons } from "../test/irc/ngircd.js";

const channel = process.argv[2] ?? "#bench";

async function main(): Promise<void> {
  const available = ircAvailable();
  if (!available.ok) {
    process.stdout.write(`IRCD ${JSON.stringify({ ok: false, reason: available.reason })}\n`);
    return;
  }
  const daemon = await startIrcDaemon({ channels: [channel] });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await daemon.stop().catch(() => {});
    await stopAllIrcDaemons().catch(() => {});
    process.exit(0);
  };
  for (const sig of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(sig, () => void stop());
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void stop();
  }, 500);
  process.stdout.write(`IRCD ${JSON.stringify({ ok: true, host: daemon.host, port: daemon.port, pid: daemon.pid })}\n`);
}

main().catch((err: Error) => {
  process.stdout.write(`IRCD ${JSON.stringify({ ok: false, reason: `ngircd did not start: ${err.message.split("\n")[0]}` })}\n`);
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
});
