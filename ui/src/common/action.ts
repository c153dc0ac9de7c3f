import { useState } from "preact/hooks";

/** One button's RPC: busy while it runs, and its failure as "<what> failed: <message>". */
export function useAction(): { busy: boolean; error: string | null; run<T>(what: string, work: () => Promise<T>): Promise<T | undefined>; clear(): void } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function run<T>(what: string, work: () => Promise<T>): Promise<T | undefined> {
    setBusy(true);
    setError(null);
    try {
      return await work();
    } catch (err) {
      setError(`${what} failed: ${(err as Error).message}`);
      return undefined;
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, run, clear: () => setError(null) };
}
