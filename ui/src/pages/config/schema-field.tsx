import { inputFor, type Input } from "./field-input";
import { FieldControl } from "./field-control";
import { getAt } from "./merge-patch";
import { kindOf, type SchemaNode } from "./schema-kind";

const REDACTED = "__OPENCLAW_REDACTED__";

type Props = {
  node: SchemaNode;
  path: string[];
  values: unknown;
  inputs: Record<string, Input>;
  errors: Record<string, string>;
  /** `undefined` drops the edit (the input is back to what was loaded). */
  onInput(path: string, input: Input | undefined): void;
};

/** One schema node: a fieldset of its properties, or a labelled input with its description and error. */
export function SchemaField(props: Props) {
  const { node, path, values, inputs, errors, onInput } = props;
  const value = getAt(values, path);
  const kind = kindOf(node, value);
  const name = path[path.length - 1];
  if (kind.kind === "object") {
    return (
      <fieldset class="config-fieldset">
        <legend>{name}</legend>
        {node.description ? <p class="hint">{node.description}</p> : null}
        {kind.properties.map(([key, child]) => (
          <SchemaField key={key} {...props} node={child} path={[...path, key]} />
        ))}
      </fieldset>
    );
  }
  const dotted = path.join(".");
  const id = `config-field-${dotted}`;
  const loaded = inputFor(kind, value);
  const input = inputs[dotted] ?? loaded;
  const error = errors[dotted];
  const note = value === REDACTED ? "A stored secret, hidden; leave the placeholder to keep it." : kind.kind === "list" ? "One item per line." : "";
  const hint = [node.description, note].filter(Boolean).join(" ");
  const describedBy = [hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ") || undefined;
  const control = (
    <FieldControl
      kind={kind}
      id={id}
      path={dotted}
      input={input}
      unset={value === undefined && !(dotted in inputs)}
      describedBy={describedBy}
      invalid={Boolean(error)}
      onInput={(next) => onInput(dotted, next === loaded ? undefined : next)}
    />
  );
  return (
    <div class="config-field">
      {kind.kind === "boolean" ? (
        <label class="config-check">
          {control} {name}
          {value === undefined && !(dotted in inputs) ? <span class="muted"> (not set)</span> : null}
        </label>
      ) : (
        <>
          <label for={id}>{name}</label>
          {control}
        </>
      )}
      {hint ? <p class="hint" id={`${id}-hint`}>{hint}</p> : null}
      {error ? <p class="error" id={`${id}-error`}>{error}</p> : null}
    </div>
  );
}
