import type { ServerResponse } from "node:http";
import { SECURITY_HEADERS } from "../probes.js";

/** Server-sent events as the OpenAI-style endpoints write them: no keepalive comments, `[DONE]` last. */
export class SseWriter {
  constructor(private readonly res: ServerResponse) {}

  open(): void {
    this.res.writeHead(200, {
      ...SECURITY_HEADERS,
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-cache",
      Connection: "keep-alive",
    });
    this.res.flushHeaders();
  }

  get closed(): boolean {
    return this.res.writableEnded || this.res.destroyed;
  }

  /** A `data:` frame (chat completions). */
  data(payload: unknown): void {
    if (!this.closed) this.res.write(`data: ${JSON.stringify(payload)}\n\n`);
  }

  /** An `event:` + `data:` frame (Responses); the payload carries the same `type`. */
  event(type: string, payload: Record<string, unknown>): void {
    if (!this.closed) this.res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...payload })}\n\n`);
  }

  done(): void {
    if (this.closed) return;
    this.res.write("data: [DONE]\n\n");
    this.res.end();
  }
}
