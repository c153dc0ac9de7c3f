/** Bytes kept on each side of the cut when a command prints more than fits. */
export const DEFAULT_OUTPUT_SIDE_BYTES = 64 * 1024;

/**
 * A command's output with bounded memory: the first `headBytes` and the last `tailBytes` are
 * kept, everything between is counted and replaced by a marker saying how much was cut.
 */
export class BoundedOutput {
  private readonly head: Buffer[] = [];
  private headLength = 0;
  private tail: Buffer[] = [];
  private tailLength = 0;
  private total = 0;

  constructor(
    readonly headBytes = DEFAULT_OUTPUT_SIDE_BYTES,
    readonly tailBytes = DEFAULT_OUTPUT_SIDE_BYTES,
  ) {}

  push(chunk: Buffer): void {
    this.total += chunk.length;
    let rest = chunk;
    if (this.headLength < this.headBytes) {
      const taken = rest.subarray(0, this.headBytes - this.headLength);
      this.head.push(taken);
      this.headLength += taken.length;
      rest = rest.subarray(taken.length);
    }
    if (rest.length === 0 || this.tailBytes === 0) return;
    if (rest.length > this.tailBytes) rest = Buffer.from(rest.subarray(rest.length - this.tailBytes));
    this.tail.push(rest);
    this.tailLength += rest.length;
    while (this.tail.length > 1 && this.tailLength - this.tail[0].length >= this.tailBytes) {
      this.tailLength -= this.tail.shift()!.length;
    }
  }

  get totalBytes(): number {
    return this.total;
  }

  get cutBytes(): number {
    return this.total - this.headLength - Math.min(this.tailLength, this.tailBytes);
  }

  get truncated(): boolean {
    return this.cutBytes > 0;
  }

  /** Head, marker and tail, decoded as UTF-8 without splitting a character at either edge of the cut. */
  text(): string {
    const head = Buffer.concat(this.head);
    const tailAll = Buffer.concat(this.tail);
    const tail = tailAll.subarray(Math.max(0, tailAll.length - this.tailBytes));
    const cut = this.cutBytes;
    if (cut === 0) return Buffer.concat([head, tail]).toString("utf8");
    return `${head.subarray(0, completeUtf8Length(head)).toString("utf8")}\n[... ${cut} bytes of output cut ...]\n${tail.subarray(utf8StartOffset(tail)).toString("utf8")}`;
  }

  /** The last `maxBytes` bytes seen (at most what the tail or head keeps), for short previews. */
  lastBytes(maxBytes: number): string {
    const kept = this.cutBytes === 0 ? Buffer.concat([...this.head, ...this.tail]) : Buffer.concat(this.tail);
    const slice = kept.subarray(Math.max(0, kept.length - maxBytes));
    return slice.subarray(utf8StartOffset(slice)).toString("utf8");
  }
}

/** Skips continuation bytes left over from a character that started before the slice. */
function utf8StartOffset(buffer: Buffer): number {
  let offset = 0;
  while (offset < buffer.length && offset < 3 && (buffer[offset] & 0xc0) === 0x80) offset++;
  return offset;
}

/** The length without a trailing, incomplete multi-byte character. */
function completeUtf8Length(buffer: Buffer): number {
  for (let back = 1; back <= Math.min(3, buffer.length); back++) {
    const byte = buffer[buffer.length - back];
    if ((byte & 0xc0) === 0x80) continue;
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needed > back ? buffer.length - back : buffer.length;
  }
  return buffer.length;
}
