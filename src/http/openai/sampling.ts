import type { StreamParams } from "../../agents/types.js";
import { typeName, type Parsed } from "./errors.js";

type Body = Record<string, unknown>;

class FieldError extends Error {}

function present(body: Body, key: string): boolean {
  return body[key] !== undefined && body[key] !== null;
}

function numberField(body: Body, key: string): number | undefined {
  if (!present(body, key)) return undefined;
  const value = body[key];
  if (typeof value !== "number" || !Number.isFinite(value)) throw new FieldError(`${key}: Expected number, received ${typeName(value)}`);
  return value;
}

function between(body: Body, key: string, min: number, max: number): number | undefined {
  const value = numberField(body, key);
  if (value !== undefined && (value < min || value > max)) throw new FieldError(`\`${key}\` must be between ${min} and ${max}.`);
  return value;
}

function positiveInt(body: Body, key: string): number | undefined {
  const value = numberField(body, key);
  if (value !== undefined && (!Number.isInteger(value) || value <= 0)) throw new FieldError(`\`${key}\` must be a positive integer.`);
  return value;
}

function integer(body: Body, key: string): number | undefined {
  const value = numberField(body, key);
  if (value !== undefined && !Number.isInteger(value)) throw new FieldError(`\`${key}\` must be an integer.`);
  return value;
}

export const MAX_STOP_SEQUENCES = 4;

function stopSequences(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list)) throw new FieldError(`Invalid stop: expected a string or an array of strings`);
  if (list.length > MAX_STOP_SEQUENCES) throw new FieldError(`Invalid stop: stop supports at most ${MAX_STOP_SEQUENCES} sequences`);
  if (!list.every((s) => typeof s === "string" && s !== "")) throw new FieldError("Invalid stop: stop sequences must be non-empty strings");
  return list as string[];
}

const RESPONSE_FORMATS = new Set(["text", "json_object", "json_schema"]);

function responseFormat(value: unknown): unknown {
  if (value === undefined || value === null) return undefined;
  const type = typeof value === "object" && !Array.isArray(value) ? (value as Body).type : undefined;
  if (typeof type !== "string" || !RESPONSE_FORMATS.has(type)) {
    throw new FieldError("`response_format.type` must be one of text, json_object, json_schema.");
  }
  return value;
}

function compact(params: StreamParams): StreamParams {
  return Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined)) as StreamParams;
}

function checked(read: () => StreamParams): Parsed<StreamParams> {
  try {
    return { ok: true, value: compact(read()) };
  } catch (err) {
    if (err instanceof FieldError) return { ok: false, message: err.message };
    throw err;
  }
}

/** Sampling and limits of a chat completions request; `max_completion_tokens` wins over `max_tokens`. */
export function chatStreamParams(body: Body): Parsed<StreamParams> {
  return checked(() => {
    const maxTokens = positiveInt(body, "max_tokens");
    const maxCompletionTokens = positiveInt(body, "max_completion_tokens");
    return {
      maxTokens: maxCompletionTokens ?? maxTokens,
      temperature: between(body, "temperature", 0, 2),
      topP: between(body, "top_p", 0, 1),
      frequencyPenalty: between(body, "frequency_penalty", -2, 2),
      presencePenalty: between(body, "presence_penalty", -2, 2),
      seed: integer(body, "seed"),
      stop: stopSequences(body.stop),
      responseFormat: responseFormat(body.response_format),
    };
  });
}

export function responsesStreamParams(body: Body): Parsed<StreamParams> {
  return checked(() => ({
    maxTokens: positiveInt(body, "max_output_tokens"),
    temperature: between(body, "temperature", 0, 2),
    topP: between(body, "top_p", 0, 1),
  }));
}
