import { setTimeout as sleep } from "node:timers/promises";
import { GatewayRequestError } from "../../client/gateway-client.js";
import { CliError } from "../exit.js";
import { connectTarget, resolveTarget, type ClientFlags } from "../connection.js";
import type { GatewayClient } from "../../client/gateway-client.js";

type TailResult = { file: string; cursor: number; size: number; lines: string[]; reset?: boolean; truncated?: boolean };
type LogsFlags = ClientFlags & { limit?: string; maxBytes?: string; follow?: boolean; interval?: string; plain?: boolean; utc?: boolean };

const MAX_RECONNECTS = 8;

function parseLine(raw: string): { time?: string; level?: string; subsystem?: string; message?: string } | null {
  try {
    const parsed = JSON.parse(raw);
    if (!parsed || typeof parsed !== "object") return null;
    const meta = parsed._meta && typeof parsed._meta === "object" ? parsed._meta : undefined;
    return {
      time: typeof parsed.time === "string" ? parsed.time : meta?.date,
      level: String(meta?.logLevelName ?? parsed.level ?? "").toLowerCase() || undefined,
      subsystem: typeof parsed.subsystem === "string" ? parsed.subsystem : undefined,
      message: typeof parsed.message === "string" ? parsed.message : undefined,
    };
  } catch {
    return null;
  }
}

function render(raw: string, flags: LogsFlags): string {
  const entry = parseLine(raw);
  if (flags.json) return JSON.stringify(entry ? { type: "log", ...entry, raw } : { type: "raw", raw });
  if (!entry || flags.plain) return raw;
  const date = entry.time ? new Date(entry.time) : null;
  const time = date && !Number.isNaN(date.getTime()) ? (flags.utc ? date.toISOString().slice(11, 19) : date.toTimeString().slice(0, 8)) : "--:--:--";
  return `${time} ${(entry.level ?? "info").padEnd(5)} ${entry.subsystem ? `[${entry.subsystem}] ` : ""}${entry.message ?? raw}`;
}

/** `openclaw logs [--follow]`: pages through the gateway's file log with the `logs.tail` cursor. */
export async function logsCommand(flags: LogsFlags): Promise<void> {
  const limit = Number(flags.limit ?? 200);
  const maxBytes = Number(flags.maxBytes ?? 250_000);
  const interval = Number(flags.interval ?? 1000);
  if (!Number.isInteger(limit) || limit < 1 || limit > 5000) throw new CliError("--limit must be an integer from 1 to 5000");
  if (!Number.isInteger(maxBytes) || maxBytes < 1 || maxBytes > 1_000_000) throw new CliError("--max-bytes must be an integer from 1 to 1000000");
  const target = resolveTarget(flags);
  let client: GatewayClient = await connectTarget(target, { clientId: "gateway-client", clientMode: "backend", displayName: "gateway:logs.tail", scopes: ["operator.read"] });
  let cursor: number | undefined;
  let first = true;
  let reconnects = 0;
  try {
    for (;;) {
      let result: TailResult;
      try {
        result = await client.request<TailResult>("logs.tail", { ...(cursor !== undefined ? { cursor } : {}), limit, maxBytes });
      } catch (err) {
        if (!flags.follow || err instanceof GatewayRequestError || reconnects >= MAX_RECONNECTS) throw err;
        const wait = Math.min(30_000, 1000 * 2 ** reconnects++);
        process.stderr.write(`[logs] gateway disconnected, reconnecting in ${Math.round(wait / 1000)}s...\n`);
        await sleep(wait);
        client = await connectTarget(target, { clientId: "gateway-client", clientMode: "backend", displayName: "gateway:logs.tail", scopes: ["operator.read"] }).catch(() => client);
        continue;
      }
      if (reconnects > 0) {
        process.stderr.write("[logs] gateway reconnected\n");
        reconnects = 0;
      }
      if (first && flags.json) process.stdout.write(JSON.stringify({ type: "meta", file: result.file, sourceKind: "file", cursor: result.cursor, size: result.size }) + "\n");
      if (result.reset && !first) process.stdout.write(flags.json ? JSON.stringify({ type: "notice", message: "log file rotated or truncated" }) + "\n" : "[logs] log file rotated or truncated\n");
      if (result.lines.length > 0) process.stdout.write(result.lines.map((l) => render(l, flags)).join("\n") + "\n");
      first = false;
      cursor = result.cursor;
      if (!flags.follow) return;
      await sleep(interval);
    }
  } finally {
    await client.close();
  }
}
