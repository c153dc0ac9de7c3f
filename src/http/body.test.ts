import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { readJsonBody, sendBodyFailure, type BodyResult } from "./body.js";

type Seen = { result?: BodyResult };

async function withReader(maxBytes: number, timeoutMs: number, run: (port: number, seen: Seen) => Promise<void>): Promise<void> {
  const seen: Seen = {};
  const server = createServer(async (req, res) => {
    const result = await readJsonBody(req, maxBytes, timeoutMs);
    seen.result = result;
    if (!result.ok) return sendBodyFailure(res, result);
    res.end(JSON.stringify(result.value));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    await run((server.address() as AddressInfo).port, seen);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** Sends a body in pieces (chunked unless `contentLength` is given) and collects the answer. */
function send(port: number, pieces: string[], opts: { contentLength?: number; pauseMs?: number } = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { "content-type": "application/json" };
    if (opts.contentLength !== undefined) headers["content-length"] = opts.contentLength;
    const req = request({ host: "127.0.0.1", port, method: "POST", path: "/", headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on("error", reject);
    (async () => {
      for (const piece of pieces) {
        if (req.destroyed) return;
        req.write(piece);
        if (opts.pauseMs) await new Promise((r) => setTimeout(r, opts.pauseMs));
      }
      req.end();
    })();
  });
}

test("an empty body parses as {}", async () => {
  await withReader(100, 1000, async (port) => {
    const answer = await send(port, [], { contentLength: 0 });
    assert.equal(answer.status, 200);
    assert.equal(answer.body, "{}");
  });
});

test("a JSON body within the cap is parsed; invalid JSON is a 400", async () => {
  await withReader(100, 1000, async (port) => {
    assert.equal((await send(port, ['{"a":', "[1,2]}"])).body, '{"a":[1,2]}');
    const bad = await send(port, ["{nope"]);
    assert.equal(bad.status, 400);
    assert.equal(JSON.parse(bad.body).error.type, "invalid_request_error");
  });
});

test("a declared length over the cap is refused with 413 before any byte is read", async () => {
  await withReader(100, 1000, async (port) => {
    const answer = await send(port, ["x".repeat(50)], { contentLength: 1000 });
    assert.equal(answer.status, 413);
    assert.deepEqual(JSON.parse(answer.body), { error: { message: "Payload too large", type: "invalid_request_error" } });
    assert.equal(answer.headers.connection, "close");
  });
});

test("a chunked body that grows past the cap is cut off with 413", async () => {
  await withReader(100, 1000, async (port, seen) => {
    const answer = await send(port, ["[" + "1,".repeat(40), "1,".repeat(40), "1]"], { pauseMs: 5 });
    assert.equal(answer.status, 413);
    assert.deepEqual(seen.result, { ok: false, status: 413, message: "Payload too large" });
  });
});

test("a body that does not arrive in time is a 408", async () => {
  await withReader(100, 50, async (port) => {
    const answer = await send(port, ['{"a":'], { pauseMs: 300 });
    assert.equal(answer.status, 408);
    assert.deepEqual(JSON.parse(answer.body), { error: { message: "Request body timeout", type: "invalid_request_error" } });
  });
});
