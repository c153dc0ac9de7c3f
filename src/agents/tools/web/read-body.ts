import type { IncomingMessage } from "node:http";
import type { Readable, Transform } from "node:stream";
import { ToolError } from "../types.js";

export type BodyRead = {
  body: Buffer;
  /** True when the cap was reached and the rest of the body was never read. */
  truncated: boolean;
};

function contentEncodings(res: IncomingMessage): string[] {
  const header = res.headers["content-encoding"] ?? "";
  return header
    .split(",")
    .map((e) => e.trim().toLowerCase())
    .filter((e) => e && e !== "identity");
}

async function decoderFor(encoding: string): Promise<Transform> {
  const zlib = await import("node:zlib");
  // Flush instead of failing at the end, so a body cut short still yields the text that arrived.
  if (encoding === "gzip" || encoding === "x-gzip") return zlib.createGunzip({ finishFlush: zlib.constants.Z_SYNC_FLUSH });
  if (encoding === "deflate") return zlib.createInflate({ finishFlush: zlib.constants.Z_SYNC_FLUSH });
  if (encoding === "br") return zlib.createBrotliDecompress({ finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH });
  throw new ToolError(`the server sent an unsupported content-encoding (${encoding})`, "failed");
}

/**
 * Reads a response body, decompressing it, and stops at `maxBytes` of either the wire bytes or
 * the decoded bytes, so neither a huge page nor a compression bomb can fill memory.
 */
export async function readBody(res: IncomingMessage, maxBytes: number, signal: AbortSignal): Promise<BodyRead> {
  const encodings = contentEncodings(res);
  let decoders: Transform[];
  try {
    decoders = await Promise.all(encodings.reverse().map(decoderFor));
  } catch (err) {
    res.destroy();
    throw err;
  }
  const streams: Readable[] = [res, ...decoders];
  let output: Readable = res;
  for (const decoder of decoders) output = output.pipe(decoder);

  return new Promise<BodyRead>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    let wire = 0;
    let settled = false;
    const finish = (outcome: { read?: BodyRead; error?: unknown }) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener("abort", onAbort);
      for (const stream of streams) stream.destroy();
      if (outcome.error !== undefined) reject(outcome.error);
      else resolve(outcome.read!);
    };
    const closedEarly = () => finish({ error: new ToolError("web_fetch failed: the connection closed before the body was complete", "failed") });
    const stopAtCap = () => finish({ read: { body: Buffer.concat(chunks), truncated: true } });
    const onAbort = () => finish({ error: signal.reason });
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });

    if (decoders.length > 0) {
      res.on("data", (chunk: Buffer) => {
        wire += chunk.length;
        if (wire > maxBytes) stopAtCap();
      });
    }
    output.on("data", (chunk: Buffer) => {
      const room = maxBytes - kept;
      if (chunk.length > room) {
        chunks.push(chunk.subarray(0, room));
        kept = maxBytes;
        return stopAtCap();
      }
      chunks.push(chunk);
      kept += chunk.length;
    });
    output.on("end", () => finish({ read: { body: Buffer.concat(chunks), truncated: false } }));
    for (const stream of streams) {
      stream.on("error", (err: Error) => {
        if (stream === res) return closedEarly();
        finish({ error: new ToolError(`web_fetch failed: the body could not be decompressed (${err.message})`, "failed") });
      });
    }
    res.on("aborted", closedEarly);
    if (res.errored) closedEarly();
  });
}
