import { useMemo, useState } from "preact/hooks";
import type { RpcError } from "../../gateway/client";
import { gateway } from "../../session";
import { configuredPort, patchFor, readFields, type Fields } from "./common-fields";
import { describeFailure, describeWrite, type Outcome, type WriteResult } from "./outcome";
import type { ConfigDoc } from "./use-config-doc";

type Props = { doc: ConfigDoc; levels: string[]; reload(): Promise<void> };

/** A few everyday settings, saved as a merge patch with `config.patch`. */
export function CommonForm({ doc, levels, reload }: Props) {
  const initial = useMemo(() => readFields(doc), [doc.resolved]);
  const [edits, setEdits] = useState<Partial<Fields>>({});
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const fields: Fields = { ...initial, ...edits };
  const patch = patchFor(doc, initial, fields);

  const save = async () => {
    if (!patch || busy) return;
    setBusy(true);
    setOutcome(null);
    try {
      const res = await gateway.request<WriteResult>("config.patch", { raw: JSON.stringify(patch), baseHash: doc.hash });
      const out = describeWrite(res);
      setOutcome(out);
      setEdits({});
      if (!out.restarting) void reload();
    } catch (e) {
      setOutcome(describeFailure(e as RpcError));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      class="card config-form"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <h2>Common settings</h2>
      <label>
        Gateway port
        <input value={configuredPort(doc)} placeholder="18789 (default)" readOnly aria-describedby="config-port-hint" />
      </label>
      <p class="hint" id="config-port-hint">Read-only here: a new port restarts the gateway. Change <code>gateway.port</code> in the file below.</p>
      <label>
        Default agent model
        <input value={fields.model} placeholder="provider/model" autocapitalize="off" spellcheck={false} onInput={(e) => setEdits({ ...edits, model: (e.target as HTMLInputElement).value })} />
      </label>
      <label>
        Log file level
        <select value={fields.level} onChange={(e) => setEdits({ ...edits, level: (e.target as HTMLSelectElement).value })}>
          <option value="">Default (info)</option>
          {levels.map((l) => (
            <option key={l} value={l}>{l}</option>
          ))}
        </select>
      </label>
      <div class="row">
        <button type="submit" disabled={!patch || busy}>{busy ? "Saving…" : "Save settings"}</button>
        {patch ? <button type="button" class="secondary" onClick={() => setEdits({})}>Undo</button> : null}
      </div>
      <div aria-live="polite">
        {outcome?.ok ? <p>{outcome.text}</p> : null}
        {outcome && !outcome.ok ? (
          <div class="error" role="alert">
            <p>{outcome.text}</p>
            {outcome.conflict ? <button type="button" onClick={() => { setOutcome(null); void reload(); }}>Reload</button> : null}
          </div>
        ) : null}
      </div>
    </form>
  );
}
