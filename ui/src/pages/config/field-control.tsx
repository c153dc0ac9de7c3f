import type { Input } from "./field-input";
import type { FieldKind } from "./schema-kind";

type Leaf = Exclude<FieldKind, { kind: "object" }>;
type Props = { kind: Leaf; id: string; path: string; input: Input; unset: boolean; describedBy?: string; invalid: boolean; onInput(input: Input): void };

const rows = (text: string, max: number) => Math.min(max, Math.max(3, text.split("\n").length + 1));
const textOf = (e: Event) => (e.target as HTMLInputElement).value;

/** The one input for a leaf of the schema: select, checkbox, number/text input or textarea. */
export function FieldControl({ kind, id, path, input, unset, describedBy, invalid, onInput }: Props) {
  const common = { id, "data-testid": "config-field", "data-path": path, "aria-describedby": describedBy, "aria-invalid": invalid || undefined };
  const text = typeof input === "string" ? input : "";
  const typing = { ...common, value: text, spellcheck: false, autocapitalize: "off" as const, autocomplete: "off", onInput: (e: Event) => onInput(textOf(e)) };
  switch (kind.kind) {
    case "boolean":
      return <input {...common} type="checkbox" checked={input === true} indeterminate={unset} onChange={(e) => onInput((e.target as HTMLInputElement).checked)} />;
    case "choice":
      return (
        <select {...common} value={text} onChange={(e) => onInput(textOf(e))}>
          <option value="">(not set)</option>
          {kind.options.map((o) => (
            <option key={o} value={o}>{o}</option>
          ))}
        </select>
      );
    case "number":
      return <input {...typing} type="text" inputMode={kind.integer ? "numeric" : "decimal"} placeholder="not set" />;
    case "string":
      return <input {...typing} type="text" placeholder="not set" />;
    case "list":
      return <textarea {...typing} rows={rows(text, 10)} placeholder="not set; one item per line" />;
    case "json":
      return <textarea {...typing} class="config-json" rows={rows(text, 14)} placeholder="not set (JSON5)" />;
  }
}
