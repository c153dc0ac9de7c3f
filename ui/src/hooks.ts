import { useEffect, useState } from "preact/hooks";
import type { ConnectionState, Frame } from "./gateway/client";
import { gateway } from "./session";

export function useConnection(): ConnectionState {
  const [state, setState] = useState<ConnectionState>(gateway.state);
  useEffect(() => gateway.onState(setState), []);
  return state;
}

/** Calls `fn` for each event named `name` (or any of `names`) while the component is mounted. */
export function useEvent(names: string | string[], fn: (f: Frame) => void, deps: unknown[] = []): void {
  useEffect(() => {
    const wanted = new Set(Array.isArray(names) ? names : [names]);
    return gateway.onEvent((f) => {
      if (f.event && wanted.has(f.event)) fn(f);
    });
  }, deps);
}

/**
 * The result of one RPC, loaded when connected and again on every reconnect or `reload()`;
 * `refreshOn` events reload it, so the page follows the gateway without polling.
 */
export function useRpc<T>(method: string, params: unknown = {}, refreshOn: string[] = []): { data: T | null; error: string | null; reload(): void } {
  const connection = useConnection();
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const key = JSON.stringify(params);
  useEffect(() => {
    if (connection.phase !== "connected") return;
    let live = true;
    gateway.request<T>(method, params).then(
      (d) => live && (setData(d), setError(null)),
      (e: Error) => live && setError(e.message),
    );
    return () => {
      live = false;
    };
  }, [connection.phase, method, key, tick]);
  useEvent(refreshOn, () => setTick((t) => t + 1), [refreshOn.join(",")]);
  return { data, error, reload: () => setTick((t) => t + 1) };
}
