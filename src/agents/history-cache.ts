import type { TranscriptEntry } from "../store/types.js";

const MAX_CACHED_BYTES = 32 * 1024 * 1024;
/** Stateless API calls make a session each; they must not pile up here. */
const MAX_CACHED_SESSIONS = 256;

type Tail = { lastSeq: number; entries: TranscriptEntry[]; bytes: number; summary?: string; maxEntries: number; maxBytes: number };

const sizeOf = (entries: TranscriptEntry[]) => entries.reduce((n, e) => n + e.text.length * 2 + 256, 0);

/**
 * The recent transcript of active sessions, kept between turns so a prompt does not re-read and
 * re-parse the whole history from the database every time. An entry is only trusted while the
 * session's transcript ends exactly where the cache ends (runs of one session never overlap, and
 * anything written in between, an injected note or a compaction, moves the end and forces a
 * reload). Least recently used sessions are dropped beyond a byte and a session budget.
 */
export class HistoryCache {
  private tails = new Map<string, Tail>();
  private bytes = 0;

  /** The cached entries before `seq`, when the cache ends right before it. */
  get(sessionId: string, seq: number): { entries: TranscriptEntry[]; summary?: string } | null {
    const tail = this.tails.get(sessionId);
    if (!tail || tail.lastSeq !== seq - 1) return null;
    this.tails.delete(sessionId);
    this.tails.set(sessionId, tail);
    return { entries: tail.entries, summary: tail.summary };
  }

  set(sessionId: string, lastSeq: number, entries: TranscriptEntry[], limits: { maxEntries: number; maxBytes: number }, summary?: string): void {
    this.drop(sessionId);
    const tail: Tail = { lastSeq, entries, bytes: sizeOf(entries), summary, ...limits };
    this.tails.set(sessionId, tail);
    this.bytes += tail.bytes;
    this.trim(tail);
    this.evict();
  }

  /** Entries a turn just wrote; ignored unless they continue the cached tail. */
  append(sessionId: string, written: TranscriptEntry[]): void {
    const tail = this.tails.get(sessionId);
    if (!tail || written.length === 0) return;
    if (written[0].seq !== tail.lastSeq + 1) {
      this.drop(sessionId);
      return;
    }
    const added = written.filter((e) => e.type !== "compaction");
    if (added.length !== written.length) {
      this.drop(sessionId);
      return;
    }
    tail.entries = [...tail.entries, ...added];
    tail.lastSeq = written[written.length - 1].seq;
    const grown = sizeOf(added);
    tail.bytes += grown;
    this.bytes += grown;
    this.trim(tail);
    this.evict();
  }

  drop(sessionId: string): void {
    const tail = this.tails.get(sessionId);
    if (!tail) return;
    this.bytes -= tail.bytes;
    this.tails.delete(sessionId);
  }

  private trim(tail: Tail): void {
    while (tail.entries.length > 0 && (tail.entries.length > tail.maxEntries || tail.bytes > tail.maxBytes)) {
      const removed = sizeOf([tail.entries[0]]);
      tail.entries = tail.entries.slice(1);
      tail.bytes -= removed;
      this.bytes -= removed;
    }
  }

  private evict(): void {
    for (const [sessionId] of this.tails) {
      if (this.bytes <= MAX_CACHED_BYTES && this.tails.size <= MAX_CACHED_SESSIONS) return;
      this.drop(sessionId);
    }
  }
}
