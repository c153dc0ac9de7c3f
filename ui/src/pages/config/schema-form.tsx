import { useMemo, useState } from "preact/hooks";
import type { RpcError } from "../../gateway/client";
import { gateway } from "../../session";
import type { Input } from "./field-input";
import { buildPatch, type Draft } from "./form-draft";
import { arrayPaths, patchPaths } from "./merge-patch";
import { describeFailure, describeWrite, type WriteResult } from "./outcome";
import { SchemaField } from "./schema-field";
import { sectionsOf, type SchemaNode } from "./schema-kind";
import type { ConfigDoc } from "./use-config-doc";
import { OutcomeView, type WriteOutcome } from "./write-outcome";

type Props = { doc: ConfigDoc; schema: SchemaNode; outcome: WriteOutcome; load(): Promise<void> };

/** One section of the config as a form built from `config.schema`, saved as a merge patch of the changed fields. */
export function SchemaForm({ doc, schema, outcome, load }: Props) {
  const sections = sectionsOf(schema);
  const [section, setSection] = useState(sections.includes("gateway") ? "gateway" : (sections[0] ?? ""));
  const [draft, setDraft] = useState<Draft | null>(null);
  const [busy, setBusy] = useState(false);
  const values = doc.valid ? doc.resolved : doc.parsed;
  const inputs = draft?.inputs ?? {};
  const { patch, errors } = useMemo(() => buildPatch(schema, values, inputs), [schema, values, draft]);
  const invalid = Object.keys(errors).length > 0;
  const stale = draft !== null && draft.baseHash !== doc.hash;
  const node = schema.properties?.[section];

  const onInput = (path: string, input: Input | undefined) =>
    setDraft((d) => {
      const next = { ...d?.inputs };
      if (input === undefined) delete next[path];
      else next[path] = input;
      return Object.keys(next).length > 0 ? { inputs: next, baseHash: d?.baseHash ?? doc.hash } : null;
    });

  const reload = () => {
    setDraft(null);
    outcome.clear();
    void load();
  };

  const save = async () => {
    if (!patch || invalid || busy) return;
    setBusy(true);
    outcome.clear();
    try {
      const replacePaths = arrayPaths(patch);
      const params = { raw: JSON.stringify(patch), baseHash: draft?.baseHash ?? doc.hash, ...(replacePaths.length > 0 ? { replacePaths } : {}) };
      const out = describeWrite(await gateway.request<WriteResult>("config.patch", params));
      outcome.show("form", out);
      if (!out.restarting) await load();
      setDraft(null);
    } catch (e) {
      outcome.show("form", describeFailure(e as RpcError));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      class="card config-form"
      data-testid="config-form"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <h2>Settings</h2>
      <label for="config-section">Section</label>
      <select id="config-section" data-testid="config-section" value={section} onChange={(e) => setSection((e.target as HTMLSelectElement).value)}>
        {sections.map((s) => (
          <option key={s} value={s}>{s}</option>
        ))}
      </select>
      <p class="hint">Empty fields are not set, so the gateway uses its default. Saving writes only what you changed, in any section.</p>
      {node ? <SchemaField node={node} path={[section]} values={values} inputs={inputs} errors={errors} onInput={onInput} /> : null}
      {stale ? (
        <p class="banner warn" role="status">
          The file changed on the gateway since you started editing; saving will be refused.{" "}
          <button type="button" class="secondary" onClick={reload}>Reload (discards your edits)</button>
        </p>
      ) : null}
      {patch ? <p class="hint">Unsaved: {patchPaths(patch).join(", ")}</p> : null}
      <div class="row">
        <button type="submit" data-testid="config-form-save" disabled={!patch || invalid || busy}>
          {busy ? "Saving…" : "Save changes"}
        </button>
        {draft ? <button type="button" class="secondary" onClick={() => setDraft(null)}>Discard changes</button> : null}
      </div>
      <OutcomeView outcome={outcome} from="form" onReload={reload} />
    </form>
  );
}
