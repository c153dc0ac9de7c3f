import type { ModelRequest, StreamEvent } from "./types.js";

/** For the adapter tests: one user message to `model` with a system prompt. */
export function userRequest(model: string, system: string, text: string, extra: Partial<ModelRequest> = {}): ModelRequest {
  return { model, system, messages: [{ role: "user", content: text }], signal: new AbortController().signal, ...extra };
}

/** Every event of one streamed call, in order. */
export async function collectEvents(events: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}
