import { useState } from "preact/hooks";
import type { RpcError } from "../../gateway/client";
import { gateway } from "../../session";
import { describeFailure, describeWrite, type WriteResult } from "./outcome";
import type { ConfigDoc } from "./use-config-doc";
import { OutcomeView, type WriteOutcome } from "./write-outcome";

type Draft = { text: string; baseHash: string };
type Props = {
  doc: ConfigDoc | null;
  loadError: string | null;
  load(): Promise<void>;
  setDoc(fn: (d: ConfigDoc | null) => ConfigDoc | null): void;
  outcome: WriteOutcome;
};

/**
 * The whole file as JSON5, saved with `config.set {raw, baseHash}`. An edit remembers the hash it
 * started from, so a reload on reconnect never hides that someone else saved in between.
 */
export function RawEditor({ doc, loadError, load, setDoc, outcome }: Props) {
  const [draft, setDraft] = useState<Draft | null>(null);
  const [busy, setBusy] = useState(false);
  const text = draft?.text ?? doc?.raw ?? "";
  const stale = draft !== null && doc !== null && draft.baseHash !== doc.hash;

  const reload = () => {
    setDraft(null);
    outcome.clear();
    void load();
  };

  const save = async () => {
    if (!doc || busy || text.trim() === "") return;
    setBusy(true);
    outcome.clear();
    try {
      const res = await gateway.request<WriteResult>("config.set", { raw: text, baseHash: draft?.baseHash ?? doc.hash });
      const out = describeWrite(res);
      outcome.show("raw", out);
      setDoc((d) => d && { ...d, raw: text, exists: true, hash: res.hash });
      setDraft(null);
      if (!out.restarting) void load();
    } catch (e) {
      outcome.show("raw", describeFailure(e as RpcError));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      class="card config-raw"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <h2>Config file</h2>
      <label for="config-raw">JSON5 text of the file</label>
      <p class="hint" id="config-raw-hint">
        Secrets show as <code>__OPENCLAW_REDACTED__</code>; leave that placeholder in place to keep the stored value. Ctrl+S saves.
      </p>
      <textarea
        id="config-raw"
        data-testid="config-raw"
        aria-describedby="config-raw-hint"
        spellcheck={false}
        autocapitalize="off"
        autocomplete="off"
        value={text}
        disabled={!doc}
        onInput={(e) => setDraft({ text: (e.target as HTMLTextAreaElement).value, baseHash: draft?.baseHash ?? doc?.hash ?? "" })}
        onKeyDown={(e) => {
          if ((e.ctrlKey || e.metaKey) && e.key === "s") {
            e.preventDefault();
            void save();
          }
        }}
      />
      {stale ? (
        <p class="banner warn" role="status">
          The file changed on the gateway since you started editing; saving will be refused.{" "}
          <button type="button" class="secondary" onClick={reload}>Reload (discards your edits)</button>
        </p>
      ) : null}
      <div class="row">
        <button type="submit" data-testid="config-save" disabled={!doc || busy || text.trim() === ""}>
          {busy ? "Saving…" : "Save"}
        </button>
        {draft ? (
          <button type="button" class="secondary" onClick={reload}>
            Discard edits
          </button>
        ) : null}
      </div>
      <OutcomeView outcome={outcome} from="raw" otherError={loadError} onReload={reload} />
    </form>
  );
}
