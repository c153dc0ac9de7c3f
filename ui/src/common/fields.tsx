import type { ComponentChildren } from "preact";

const LIST = { display: "grid", gridTemplateColumns: "max-content minmax(0, 1fr)", gap: "0.15em 0.8em", margin: "0.5em 0" };
const VALUE = { margin: 0, overflowWrap: "break-word" } as const;

/** A label/value list; entries whose value is null, undefined or "" are left out. */
export function Fields(props: { entries: [string, ComponentChildren][] }) {
  const shown = props.entries.filter(([, v]) => v !== null && v !== undefined && v !== "");
  if (shown.length === 0) return null;
  return (
    <dl style={LIST}>
      {shown.map(([label, value]) => [
        <dt key={`${label}-t`} class="muted">
          {label}
        </dt>,
        <dd key={`${label}-d`} style={VALUE}>
          {value}
        </dd>,
      ])}
    </dl>
  );
}

export function ErrorText(props: { error: string | null | undefined }) {
  return props.error ? (
    <p class="error" role="alert">
      {props.error}
    </p>
  ) : null;
}
