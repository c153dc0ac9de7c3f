import type { ServerResponse } from "node:http";
import { sendApiJson } from "../openai/errors.js";
import { SECURITY_HEADERS } from "../probes.js";

/** What a hook request is answered with: a JSON body, or none (204). */
export type HookAnswer = { status: number; body: Record<string, unknown> | null };

export function hookFailure(status: number, error: string, extra: Record<string, unknown> = {}): HookAnswer {
  return { status, body: { ok: false, error, ...extra } };
}

export function sendHookAnswer(res: ServerResponse, answer: HookAnswer, extraHeaders: Record<string, string> = {}): void {
  if (answer.body !== null) return sendApiJson(res, answer.status, answer.body, extraHeaders);
  res.statusCode = answer.status;
  for (const [name, value] of Object.entries({ ...SECURITY_HEADERS, ...extraHeaders })) res.setHeader(name, value);
  res.end();
}
