/** A JSON Schema node as `config.schema` sends it (TypeBox output). */
export type SchemaNode = {
  type?: string | string[];
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  anyOf?: SchemaNode[];
  enum?: unknown[];
  const?: unknown;
  description?: string;
  minimum?: number;
  maximum?: number;
};

/** How the form shows one schema node. */
export type FieldKind =
  | { kind: "object"; properties: [string, SchemaNode][] }
  | { kind: "choice"; options: string[] }
  | { kind: "boolean" }
  | { kind: "number"; integer: boolean }
  | { kind: "string" }
  | { kind: "list"; numbers: boolean }
  | { kind: "json" };

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

function stringOptions(node: SchemaNode): string[] | null {
  const values = node.enum ?? (node.anyOf?.every((o) => "const" in o) ? node.anyOf.map((o) => o.const) : null);
  return values && values.length > 0 && values.every((v) => typeof v === "string") ? (values as string[]) : null;
}

function schemaKind(node: SchemaNode): FieldKind {
  const options = stringOptions(node);
  if (options) return { kind: "choice", options };
  if (node.type === "object" && node.properties) return { kind: "object", properties: Object.entries(node.properties) };
  if (node.type === "boolean") return { kind: "boolean" };
  if (node.type === "integer" || node.type === "number") return { kind: "number", integer: node.type === "integer" };
  if (node.type === "string") return { kind: "string" };
  if (node.type === "array" && node.items) {
    const item = schemaKind(node.items);
    if (item.kind === "string" || item.kind === "choice") return { kind: "list", numbers: false };
    if (item.kind === "number") return { kind: "list", numbers: true };
  }
  return { kind: "json" };
}

function fits(kind: FieldKind, value: unknown): boolean {
  if (value === undefined) return true;
  switch (kind.kind) {
    case "object":
      return isObject(value);
    case "boolean":
      return typeof value === "boolean";
    case "number":
      return typeof value === "number";
    case "string":
      return typeof value === "string";
    case "choice":
      return typeof value === "string" && kind.options.includes(value);
    case "list":
      return Array.isArray(value) && value.every((v) => typeof v === (kind.numbers ? "number" : "string"));
    case "json":
      return true;
  }
}

/** The node's kind, or "json" when the current value does not fit it (so nothing is lost). */
export function kindOf(node: SchemaNode, value: unknown): FieldKind {
  const kind = schemaKind(node);
  return fits(kind, value) ? kind : { kind: "json" };
}

/** The top-level keys that hold a section (an object), in schema order. */
export function sectionsOf(root: SchemaNode | undefined): string[] {
  return Object.entries(root?.properties ?? {})
    .filter(([, node]) => node.type === "object")
    .map(([key]) => key);
}
