import JSON5 from "json5";
import type { FieldKind } from "./schema-kind";

/** What one input holds: text, or a checkbox's state. */
export type Input = string | boolean;
/** `value` undefined means "not set". */
export type Parsed = { value: unknown } | { error: string };

type Leaf = Exclude<FieldKind, { kind: "object" }>;

export function inputFor(kind: Leaf, value: unknown): Input {
  if (kind.kind === "boolean") return value === true;
  if (value === undefined) return "";
  if (kind.kind === "list") return (value as unknown[]).join("\n");
  if (kind.kind === "json") return JSON.stringify(value, null, 2);
  return String(value);
}

function parseNumber(text: string, integer: boolean): number | string {
  const n = Number(text);
  if (text === "" || !Number.isFinite(n)) return `"${text}" is not a number`;
  if (integer && !Number.isInteger(n)) return `"${text}" is not a whole number`;
  return n;
}

function parseList(text: string, numbers: boolean): Parsed {
  const lines = text.split("\n").map((l) => l.trim()).filter((l) => l !== "");
  if (lines.length === 0) return { value: undefined };
  if (!numbers) return { value: lines };
  const items = lines.map((l) => parseNumber(l, false));
  const bad = items.find((i) => typeof i === "string");
  return typeof bad === "string" ? { error: bad } : { value: items };
}

export function parseInput(kind: Leaf, input: Input): Parsed {
  if (typeof input === "boolean") return { value: input };
  const text = kind.kind === "string" || kind.kind === "choice" ? input : input.trim();
  if (text === "") return { value: undefined };
  switch (kind.kind) {
    case "number": {
      const n = parseNumber(text, kind.integer);
      return typeof n === "number" ? { value: n } : { error: n };
    }
    case "list":
      return parseList(text, kind.numbers);
    case "json":
      try {
        return { value: JSON5.parse(text) };
      } catch (e) {
        return { error: `Not valid JSON5: ${(e as Error).message}` };
      }
    default:
      return { value: text };
  }
}
