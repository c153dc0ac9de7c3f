import { useEffect, useRef, useState } from "preact/hooks";
import { useConnection } from "../../hooks";
import type { RpcError } from "../../gateway/client";
import { gateway } from "../../session";
import { describeFailure, describeWrite, type Outcome, type WriteResult } from "./outcome";
import type { ConfigDoc } from "./use-config-doc";

type Draft = { text: string; baseHash: string };
type Props = { doc: ConfigDoc | null; loadError: string | null; load(): Promise<void>; setDoc(fn: (d: ConfigDoc | null) => ConfigDoc | null): void };

/**
 * The whole file as JSON5, saved with `config.set {raw, baseHash}`. An edit remembers the hash it
 * started from, so a reload on reconnect never hides that someone else saved in between.
 */
export function RawEditor({ doc, loadError, load, setDoc }: Props) {
  const [draft, setDraft] = useState<Draft | null>(null);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const text = draft?.text ?? doc?.raw ?? "";
  const stale = draft !== null && doc !== null && draft.baseHash !== doc.hash;
  const connected = useConnection().phase === "connected";
  const droppedDuringRestart = useRef(false);
  useEffect(() => {
    if (!outcome?.ok || !outcome.restarting) return;
    if (!connected) droppedDuringRestart.current = true;
    else if (droppedDuringRestart.current) {
      droppedDuringRestart.current = false;
      setOutcome({ ...outcome, restarting: false, text: outcome.afterRestart ?? outcome.text });
    }
  }, [connected, outcome]);

  const reload = () => {
    setDraft(null);
    setOutcome(null);
    void load();
  };

  const save = async () => {
    if (!doc || busy || text.trim() === "") return;
    setBusy(true);
    setOutcome(null);
    try {
      const res = await gateway.request<WriteResult>("config.set", { raw: text, baseHash: draft?.baseHash ?? doc.hash });
      const out = describeWrite(res);
      setOutcome(out);
      setDoc((d) => d && { ...d, raw: text, exists: true, hash: res.hash });
      setDraft(null);
      if (!out.restarting) void load();
    } catch (e) {
      setOutcome(describeFailure(e as RpcError));
    } finally {
      setBusy(false);
    }
  };

  const error = outcome && !outcome.ok ? outcome : loadError ? { text: loadError, conflict: false } : null;
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
      <div aria-live="polite">
        {outcome?.ok ? <p data-testid="config-result">{outcome.text}</p> : null}
        {error ? (
          <div class="error" role="alert" data-testid="config-error">
            <p>{error.text}</p>
            {error.conflict ? <button type="button" onClick={reload}>Reload</button> : null}
          </div>
        ) : null}
      </div>
    </form>
  );
}
