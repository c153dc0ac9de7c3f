import { useRpc } from "../hooks";
import { RawEditor } from "./config/raw-editor";
import { SchemaForm } from "./config/schema-form";
import type { SchemaNode } from "./config/schema-kind";
import { useConfigDoc } from "./config/use-config-doc";
import { useWriteOutcome } from "./config/write-outcome";
import "./config/config.css";

/** The gateway's config file: one section at a time as a form built from its schema, and the whole file as JSON5. */
export function ConfigPage() {
  const { doc, error, load, setDoc } = useConfigDoc();
  const schema = useRpc<{ schema: SchemaNode }>("config.schema", {});
  const outcome = useWriteOutcome();
  return (
    <section data-testid="page-config">
      <h1>Config</h1>
      {doc ? (
        <p class="hint">
          File <code>{doc.path}</code>
          {doc.exists ? "" : " does not exist yet; saving creates it."}
        </p>
      ) : null}
      {doc && !doc.valid ? (
        <div class="banner warn" role="status">
          <strong>The file on disk is not valid; the gateway keeps running with the last good config.</strong>
          <ul class="config-issues">
            {doc.issues.map((i) => (
              <li key={`${i.path}:${i.message}`}><code>{i.path}</code>: {i.message}</li>
            ))}
          </ul>
        </div>
      ) : null}
      {schema.error ? <p class="error" role="alert">Could not read the config schema ({schema.error}), so there is no form; edit the file below.</p> : null}
      {doc && schema.data?.schema ? <SchemaForm doc={doc} schema={schema.data.schema} outcome={outcome} load={load} /> : null}
      <RawEditor doc={doc} loadError={error} load={load} setDoc={setDoc} outcome={outcome} />
    </section>
  );
}
