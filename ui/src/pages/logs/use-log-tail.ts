import { useEffect, useRef, useState } from "preact/hooks";
import { useConnection } from "../../hooks";
import { gateway } from "../../session";
import { parseLine, type LogLine } from "./parse";

export const MAX_LINES = 5000;
const FOLLOW_MS = 500;

type TailResult = { file: string; cursor: number; size: number; lines: string[]; truncated?: boolean; reset?: boolean; skippedBytes?: number };

function kb(bytes: number): string {
  return `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

/**
 * The gateway's log file: the recent lines once connected, then, while `follow` is on, one
 * `logs.tail` from the returned cursor a second after the previous answer (never two at once).
 */
export function useLogTail(follow: boolean) {
  const connected = useConnection().phase === "connected";
  const [lines, setLines] = useState<LogLine[]>([]);
  const [file, setFile] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const cursor = useRef<number | undefined>(undefined);
  const nextId = useRef(0);

  useEffect(() => {
    if (!connected || (cursor.current !== undefined && !follow)) return;
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      const first = cursor.current === undefined;
      try {
        const res = await gateway.request<TailResult>("logs.tail", first ? {} : { cursor: cursor.current });
        if (!live) return;
        cursor.current = res.cursor;
        setFile(res.file);
        setError(null);
        if (!first && res.skippedBytes) setNotice(`The log grew faster than it was read; ${kb(res.skippedBytes)} were skipped.`);
        else if (!first && res.reset) setNotice("The log file was rotated or replaced; reading the new one.");
        if (res.lines.length > 0) {
          const parsed = res.lines.map((l) => parseLine(l, nextId.current++));
          setLines((prev) => prev.concat(parsed).slice(-MAX_LINES));
        }
      } catch (e) {
        if (live) setError(`Could not read the log: ${(e as Error).message}`);
      }
      if (live && follow) timer = setTimeout(tick, FOLLOW_MS);
    };
    void tick();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [connected, follow]);

  return { lines, file, error, notice };
}
