import { useEffect, useRef, useState } from "preact/hooks";
import { useConnection } from "../../hooks";
import type { Outcome } from "./outcome";

type Source = "form" | "raw";
type Shown = { from: Source; outcome: Outcome };
export type WriteOutcome = { shown: Shown | null; show(from: Source, outcome: Outcome): void; clear(): void };

/**
 * The last save's outcome on this page, shared by the form and the file editor so only one shows it.
 * A save that restarts the gateway says so again once the page has reconnected.
 */
export function useWriteOutcome(): WriteOutcome {
  const [shown, setShown] = useState<Shown | null>(null);
  const connected = useConnection().phase === "connected";
  const droppedDuringRestart = useRef(false);
  useEffect(() => {
    const outcome = shown?.outcome;
    if (!outcome?.ok || !outcome.restarting) return;
    if (!connected) droppedDuringRestart.current = true;
    else if (droppedDuringRestart.current) {
      droppedDuringRestart.current = false;
      setShown({ from: shown!.from, outcome: { ...outcome, restarting: false, text: outcome.afterRestart ?? outcome.text } });
    }
  }, [connected, shown]);
  return { shown, show: (from, outcome) => setShown({ from, outcome }), clear: () => setShown(null) };
}

type Props = { outcome: WriteOutcome; from: Source; otherError?: string | null; onReload(): void };

/** The outcome of a save made from `from`: what happened, or why not, with Reload after a conflict. */
export function OutcomeView({ outcome, from, otherError, onReload }: Props) {
  const mine = outcome.shown?.from === from ? outcome.shown.outcome : null;
  const error = mine && !mine.ok ? mine : otherError ? { text: otherError, conflict: false } : null;
  return (
    <div aria-live="polite">
      {mine?.ok ? <p data-testid="config-result">{mine.text}</p> : null}
      {error ? (
        <div class="error" role="alert" data-testid="config-error">
          <p>{error.text}</p>
          {error.conflict ? <button type="button" onClick={onReload}>Reload</button> : null}
        </div>
      ) : null}
    </div>
  );
}
