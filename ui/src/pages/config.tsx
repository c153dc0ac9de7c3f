import { useRpc } from "../hooks";
import { CommonForm } from "./config/common-form";
import { levelsFromSchema } from "./config/common-fields";
import { RawEditor } from "./config/raw-editor";
import { useConfigDoc } from "./config/use-config-doc";
import "./config/config.css";

/** The gateway's config file: a few common settings as a form, and the whole file as JSON5. */
export function ConfigPage() {
  const { doc, error, load, setDoc } = useConfigDoc();
  const schema = useRpc<any>("config.schema", {});
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
      {schema.error ? <p class="error">Could not read the config schema ({schema.error}); the level list below is the built-in one.</p> : null}
      {doc ? <CommonForm doc={doc} levels={levelsFromSchema(schema.data)} reload={load} /> : null}
      <RawEditor doc={doc} loadError={error} load={load} setDoc={setDoc} />
    </section>
  );
}
