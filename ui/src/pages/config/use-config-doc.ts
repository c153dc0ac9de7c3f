import { useCallback, useEffect, useState } from "preact/hooks";
import { useConnection } from "../../hooks";
import { gateway } from "../../session";

export type ConfigIssue = { path: string; message: string };
/** What `config.get` answers (secrets already redacted by the gateway). */
export type ConfigDoc = { path: string; exists: boolean; raw: string | null; parsed: any; resolved: any; valid: boolean; issues: ConfigIssue[]; hash: string };

/** The config file as the gateway reads it, loaded when connected (again on each reconnect) and on `load()`. */
export function useConfigDoc() {
  const connected = useConnection().phase === "connected";
  const [doc, setDoc] = useState<ConfigDoc | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      setDoc(await gateway.request<ConfigDoc>("config.get"));
      setError(null);
    } catch (e) {
      setError(`Could not read the config: ${(e as Error).message}`);
    }
  }, []);
  useEffect(() => {
    if (connected) void load();
  }, [connected]);
  return { doc, error, load, setDoc };
}
