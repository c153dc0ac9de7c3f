/** Longest line we accept from a server; RFC lines are 512 bytes, IRCv3 tags add up to 8191. */
export const MAX_INBOUND_LINE_BYTES = 8192;

/**
 * Cuts a byte stream into lines at LF (CR LF or a bare LF, as servers send either). A line longer
 * than `maxBytes` is dropped whole, and the buffer never holds more than `maxBytes`, however long
 * a hostile server goes without a newline.
 */
export class LineBuffer {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Inside an oversized line: skip up to the next LF. */
  private discarding = false;
  /** Lines dropped for their length, for the log. */
  dropped = 0;

  constructor(private readonly maxBytes = MAX_INBOUND_LINE_BYTES) {}

  /** The complete lines in `chunk` (and what came before it), decoded as UTF-8, without CR LF. */
  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl >= 0; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl);
      start = nl + 1;
      if (this.discarding || this.pendingBytes + piece.length > this.maxBytes) {
        this.reset();
        this.dropped++;
        continue;
      }
      const line = this.pendingBytes > 0 ? Buffer.concat([...this.pending, piece]) : piece;
      this.reset();
      const end = line.length > 0 && line[line.length - 1] === 13 ? line.length - 1 : line.length;
      if (end > 0) lines.push(line.toString("utf8", 0, end));
    }
    if (start < chunk.length && !this.discarding) {
      const rest = chunk.subarray(start);
      if (this.pendingBytes + rest.length > this.maxBytes) {
        this.pending = [];
        this.pendingBytes = 0;
        this.discarding = true;
      } else {
        this.pending.push(Buffer.from(rest));
        this.pendingBytes += rest.length;
      }
    }
    return lines;
  }

  private reset(): void {
    this.pending = [];
    this.pendingBytes = 0;
    this.discarding = false;
  }
}
