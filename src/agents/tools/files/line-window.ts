import { open } from "node:fs/promises";

export type LineWindowRequest = {
  /** 1-based number of the first line wanted. */
  firstLine: number;
  maxLines: number;
  /** Bytes of line text (newlines included) the window may hold. */
  maxBytes: number;
  /** After the window is full, keep scanning to count lines only in files up to this size. */
  countUpToBytes: number;
  signal?: AbortSignal;
};

export type LineWindow = {
  /** The lines of the window, without their line endings. */
  lines: string[];
  firstLine: number;
  /** Lines in the file, or null when the file was too large to scan to its end. */
  totalLines: number | null;
  /** The line to continue from, or null when the window reaches the end of the file. */
  nextLine: number | null;
  /** Which limit ended the window early, if one did. */
  limitedBy: "lines" | "bytes" | null;
  /** The window's only line was longer than `maxBytes` and was cut. */
  lineCut: boolean;
};

const CHUNK_BYTES = 64 * 1024;
const NEWLINE = 0x0a;

/** Reads a window of lines from a file without loading more of it than the window needs. */
export async function readLineWindow(file: string, request: LineWindowRequest): Promise<LineWindow> {
  const { firstLine, maxLines, maxBytes } = request;
  const handle = await open(file, "r");
  try {
    const size = (await handle.stat()).size;
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    const lines: string[] = [];
    let current: Buffer[] = [];
    let currentBytes = 0;
    let windowBytes = 0;
    let line = 1;
    let limitedBy: LineWindow["limitedBy"] = null;
    let lineCut = false;
    let nextLine: number | null = null;
    // Where the next line starts in the file, once seen: it exists only if that is before the end.
    let nextStart: number | null = null;
    let chunkOffset = 0;
    let lastByte = -1;
    let reachedEof = false;

    const finishLine = () => {
      lines.push(stripCarriageReturn(Buffer.concat(current, currentBytes)).toString("utf8"));
      windowBytes += currentBytes + 1;
      current = [];
      currentBytes = 0;
    };

    for (;;) {
      request.signal?.throwIfAborted();
      const { bytesRead } = await handle.read(buffer, 0, CHUNK_BYTES, null);
      if (bytesRead === 0) {
        reachedEof = true;
        break;
      }
      const chunk = buffer.subarray(0, bytesRead);
      lastByte = chunk[bytesRead - 1];
      let pos = 0;
      while (pos < bytesRead) {
        const found = chunk.indexOf(NEWLINE, pos);
        const end = found === -1 ? bytesRead : found;
        if (line >= firstLine && limitedBy === null) {
          const piece = chunk.subarray(pos, end);
          if (windowBytes + currentBytes + piece.length > maxBytes) {
            limitedBy = "bytes";
            if (lines.length === 0) {
              const take = characterBoundary(piece, maxBytes - currentBytes);
              current.push(Buffer.from(piece.subarray(0, take)));
              currentBytes += take;
              finishLine();
              lineCut = true;
              nextLine = line + 1;
            } else {
              nextLine = line;
              nextStart = chunkOffset + pos;
            }
          } else {
            current.push(Buffer.from(piece));
            currentBytes += piece.length;
            if (found !== -1) {
              finishLine();
              if (lines.length >= maxLines) {
                limitedBy = "lines";
                nextLine = line + 1;
              }
            }
          }
        }
        if (found !== -1) {
          line++;
          if (line === nextLine && nextStart === null) nextStart = chunkOffset + found + 1;
        }
        pos = end + 1;
      }
      chunkOffset += bytesRead;
      if (nextStart !== null && size > request.countUpToBytes) break;
    }

    if (reachedEof && limitedBy === null && currentBytes > 0) finishLine();
    const nextExists = nextStart !== null && nextStart < size;
    const totalLines = reachedEof ? (lastByte === -1 ? 0 : lastByte === NEWLINE ? line - 1 : line) : null;
    return {
      lines,
      firstLine,
      totalLines,
      nextLine: nextExists ? nextLine : null,
      limitedBy: nextExists ? limitedBy : null,
      lineCut,
    };
  } finally {
    await handle.close();
  }
}

function stripCarriageReturn(bytes: Buffer): Buffer {
  return bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.subarray(0, bytes.length - 1) : bytes;
}

/** The largest cut at or below `limit` that does not split a UTF-8 character. */
function characterBoundary(bytes: Buffer, limit: number): number {
  let cut = Math.max(0, Math.min(limit, bytes.length));
  while (cut > 0 && cut < bytes.length && (bytes[cut] & 0xc0) === 0x80) cut--;
  return cut;
}
