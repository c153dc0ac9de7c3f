import type { Parsed } from "../openai/errors.js";

export type Payload = Record<string, unknown>;

/** A string field, absent when missing or null. */
export function optionalString(body: Payload, field: string): Parsed<string | undefined> {
  const value = body[field];
  if (value === undefined || value === null) return { ok: true, value: undefined };
  return typeof value === "string" ? { ok: true, value } : { ok: false, message: `${field} must be a string` };
}

export function requiredText(body: Payload, field: string): Parsed<string> {
  const value = body[field];
  return typeof value === "string" && value.trim() !== "" ? { ok: true, value } : { ok: false, message: `${field} is required` };
}

export function optionalBoolean(body: Payload, field: string): Parsed<boolean | undefined> {
  const value = body[field];
  if (value === undefined || value === null) return { ok: true, value: undefined };
  return typeof value === "boolean" ? { ok: true, value } : { ok: false, message: `${field} must be a boolean` };
}

export function optionalChoice<T extends string>(body: Payload, field: string, choices: readonly T[]): Parsed<T | undefined> {
  const value = body[field];
  if (value === undefined || value === null) return { ok: true, value: undefined };
  if (typeof value === "string" && (choices as readonly string[]).includes(value)) return { ok: true, value: value as T };
  return { ok: false, message: `${field} must be ${choices.map((c) => `"${c}"`).join(" or ")}` };
}

/** Positive numbers are floored to whole seconds; anything else is ignored, as OpenClaw does. */
export function timeoutSecondsOf(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 1 ? Math.floor(value) : undefined;
}
