import type { Logger } from "../infra/logger.js";
import type { ChannelConnection, OutboundTarget } from "./types.js";

const EDIT_INTERVAL_MS = 1000;

/**
 * A live preview of a reply on channels that can edit messages (Telegram's streaming.mode
 * partial): one message sent as the text starts, then edited at most once a second. The final
 * reply replaces the preview through the durable queue; the preview itself is best effort.
 */
export class ReplyPreview {
  private latest = "";
  private shown = "";
  private messageId: string | null = null;
  private lastAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly connection: () => ChannelConnection | null,
    private readonly target: OutboundTarget,
    private readonly limit: number,
    private readonly log: Logger,
  ) {}

  update(text: string): void {
    if (this.closed) return;
    this.latest = text;
    if (this.inFlight || this.timer) return;
    const wait = this.lastAt + EDIT_INTERVAL_MS - Date.now();
    if (wait <= 0) this.flush();
    else {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.flush();
      }, wait);
      this.timer.unref();
    }
  }

  /** Stops updating; resolves with the preview's message id (null when none was sent). */
  async settle(): Promise<string | null> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.inFlight;
    return this.messageId;
  }

  private flush(): void {
    const text = this.latest.trim();
    const connection = this.connection();
    if (!text || text === this.shown || !connection) return;
    const display = text.length > this.limit ? `${text.slice(0, this.limit - 1)}…` : text;
    this.lastAt = Date.now();
    this.inFlight = (async () => {
      try {
        if (this.messageId === null) this.messageId = (await connection.sendText(this.target, display)).messageId ?? null;
        else await connection.editText?.(this.target, this.messageId, display);
        this.shown = text;
      } catch (err) {
        this.log.debug(`reply preview not updated: ${(err as Error).message}`);
      }
    })().finally(() => {
      this.inFlight = null;
      if (!this.closed && this.latest.trim() !== this.shown) this.update(this.latest);
    });
  }
}
