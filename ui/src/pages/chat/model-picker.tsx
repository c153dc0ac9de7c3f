import { useState } from "preact/hooks";
import { useRpc } from "../../hooks";
import { gateway } from "../../session";
import type { SessionRow } from "./sessions";

type Model = { id: string; name?: string; provider: string };
type Props = { sessionKey: string; override?: string; fallback?: string; disabled: boolean; onPatched(row: SessionRow): void };

/** The session's model from models.list, set with sessions.patch {key, model} (null: the agent's default). */
export function ModelPicker(props: Props) {
  const models = useRpc<{ models?: Model[] }>("models.list", {});
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const refs = (models.data?.models ?? []).map((m) => ({ ref: `${m.provider}/${m.id}`, label: m.name && m.name !== m.id ? `${m.provider}/${m.name}` : `${m.provider}/${m.id}` }));
  const value = busy ?? props.override ?? "";
  if (value && !refs.some((r) => r.ref === value)) refs.unshift({ ref: value, label: value });

  async function choose(model: string) {
    setBusy(model);
    setError(null);
    try {
      const res = await gateway.request<{ entry?: SessionRow }>("sessions.patch", { key: props.sessionKey, model: model || null });
      if (res?.entry) props.onPatched(res.entry);
    } catch (e) {
      setError(`Could not change the model: ${(e as Error).message}`);
    } finally {
      setBusy(null);
    }
  }

  return (
    <div class="chat-model">
      <label>
        <span class="muted">Model</span>{" "}
        <select value={value} disabled={props.disabled || busy !== null} onChange={(e) => choose((e.target as HTMLSelectElement).value)} data-testid="model-picker">
          <option value="">Default{props.fallback ? ` (${props.fallback})` : ""}</option>
          {refs.map((r) => (
            <option key={r.ref} value={r.ref}>
              {r.label}
            </option>
          ))}
        </select>
      </label>
      {models.error ? <span class="error"> Models unavailable: {models.error}</span> : null}
      {error ? (
        <span class="error" role="alert">
          {" "}
          {error}
        </span>
      ) : null}
    </div>
  );
}
