import { useState } from "preact/hooks";
import { gateway } from "../../session";
import { useAction } from "../../common/action";
import { ErrorText } from "../../common/fields";

type InvokeResult = { ok: boolean; payload?: unknown; payloadJSON?: string | null };

const INVOKE_TIMEOUT_MS = 30_000;
const SLACK_MS = 5_000;
const RESULT = { whiteSpace: "pre-wrap", overflowWrap: "anywhere", maxHeight: "20em", overflow: "auto", margin: "0.5em 0 0", padding: "0.5em", background: "var(--bg)", border: "1px solid var(--line)", borderRadius: "var(--radius)" } as const;

function idempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `ui-${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

function payloadOf(res: InvokeResult): unknown {
  if (res.payload !== undefined) return res.payload;
  if (!res.payloadJSON) return null;
  try {
    return JSON.parse(res.payloadJSON);
  } catch {
    return res.payloadJSON;
  }
}

/** Runs one of the node's approved commands with JSON params and shows what it answered. */
export function InvokeForm(props: { nodeId: string; commands: string[] }) {
  const [command, setCommand] = useState(props.commands[0] ?? "");
  const [params, setParams] = useState("");
  const [parseError, setParseError] = useState<string | null>(null);
  const [result, setResult] = useState<string | null>(null);
  const action = useAction();
  const selected = props.commands.includes(command) ? command : (props.commands[0] ?? "");
  const id = `invoke-${props.nodeId}`;
  const invoke = async () => {
    let parsed: unknown;
    if (params.trim()) {
      try {
        parsed = JSON.parse(params);
      } catch (err) {
        setParseError(`Params are not valid JSON: ${(err as Error).message}`);
        return;
      }
    }
    setParseError(null);
    setResult(null);
    const res = await action.run(`Invoking ${selected}`, () =>
      gateway.request<InvokeResult>(
        "node.invoke",
        { nodeId: props.nodeId, command: selected, ...(parsed !== undefined ? { params: parsed } : {}), timeoutMs: INVOKE_TIMEOUT_MS, idempotencyKey: idempotencyKey() },
        { timeoutMs: INVOKE_TIMEOUT_MS + SLACK_MS },
      ),
    );
    if (res) setResult(JSON.stringify(payloadOf(res), null, 2) ?? "null");
  };
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        void invoke();
      }}
      style={{ display: "grid", gap: "0.4em", marginTop: "0.5em" }}
    >
      <label for={`${id}-command`}>Command</label>
      <select id={`${id}-command`} value={selected} onChange={(e) => setCommand((e.target as HTMLSelectElement).value)}>
        {props.commands.map((c) => (
          <option key={c} value={c}>
            {c}
          </option>
        ))}
      </select>
      <label for={`${id}-params`}>Params (JSON, optional)</label>
      <textarea id={`${id}-params`} rows={3} placeholder='{"command": ["uname", "-a"]}' value={params} onInput={(e) => setParams((e.target as HTMLTextAreaElement).value)} style={{ fontFamily: "ui-monospace, monospace" }} />
      <div>
        <button type="submit" data-testid="node-invoke" disabled={action.busy || !selected}>
          {action.busy ? "Invoking…" : "Invoke"}
        </button>
      </div>
      <ErrorText error={parseError} />
      {action.error ? (
        <p class="error" role="alert" data-testid="node-invoke-result" data-ok="false">
          {action.error}
        </p>
      ) : null}
      {result !== null ? (
        <pre style={RESULT} data-testid="node-invoke-result" data-ok="true">
          {result}
        </pre>
      ) : null}
    </form>
  );
}
