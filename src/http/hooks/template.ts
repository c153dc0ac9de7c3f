/** What `{{…}}` expressions in a mapping can read. */
export type TemplateContext = {
  payload: unknown;
  /** Lowercase header names. */
  headers: Record<string, string>;
  query: Record<string, string>;
  /** The hook sub-path (`gmail` for `/hooks/gmail`). */
  path: string;
  /** ISO timestamp of the request. */
  now: string;
};

/** `{{ name }}`, `{{a.b}}`, `{{messages[0].subject}}`, `{{headers.x-event-type}}`: data paths only, never code. */
const EXPRESSION = /\{\{\s*([A-Za-z0-9_$-]+(?:\.[A-Za-z0-9_$-]+|\[\d+\])*)\s*\}\}/g;
const STEP = /[A-Za-z0-9_$-]+|\[\d+\]/g;

export function isTemplate(text: string): boolean {
  return /\{\{[^}]*\}\}/.test(text);
}

function step(value: unknown, segment: string): unknown {
  if (segment.startsWith("[")) {
    const index = Number(segment.slice(1, -1));
    return Array.isArray(value) ? value[index] : undefined;
  }
  // Own properties only, so `constructor` or `__proto__` never reach an object's prototype.
  if (value === null || typeof value !== "object" || !Object.hasOwn(value, segment)) return undefined;
  return (value as Record<string, unknown>)[segment];
}

/** Reads a dotted path; `payload.`, `headers.` and `query.` name their roots, anything else reads the payload. */
function lookupPath(context: TemplateContext, expression: string): unknown {
  const segments = expression.match(STEP) ?? [];
  if (segments.length === 1 && (segments[0] === "path" || segments[0] === "now")) return context[segments[0]];
  const [first = "", ...rest] = segments;
  const rooted = first === "payload" || first === "headers" || first === "query";
  let value: unknown = rooted ? context[first as "payload" | "headers" | "query"] : step(context.payload, first);
  for (const segment of rest) value = step(value, segment);
  return value;
}

function asText(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** Fills every `{{path}}`: missing or null values become empty, objects become JSON. */
export function renderTemplate(template: string, context: TemplateContext): string {
  return template.replace(EXPRESSION, (_match, expression: string) => asText(lookupPath(context, expression)));
}
