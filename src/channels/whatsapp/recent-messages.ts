import type { WAInboundMessage } from "./socket.js";

const DEFAULT_CAPACITY = 500;

/**
 * The last few hundred messages of a connection: inbound ones so a reply can quote its message
 * (Baileys quotes a whole `WAMessage`, not an id), and the ids we sent so self-chat mode can tell
 * its own replies from the owner's messages.
 */
export class RecentMessages {
  private readonly inbound = new Map<string, WAInboundMessage>();
  private readonly sent = new Set<string>();

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  rememberInbound(conversationId: string, message: WAInboundMessage): void {
    if (!message.key.id) return;
    this.inbound.set(`${conversationId}\n${message.key.id}`, message);
    trim(this.inbound, this.capacity);
  }

  inboundById(conversationId: string, id: string): WAInboundMessage | undefined {
    return this.inbound.get(`${conversationId}\n${id}`);
  }

  rememberSent(id: string): void {
    this.sent.add(id);
    trim(this.sent, this.capacity);
  }

  wasSent(id: string): boolean {
    return this.sent.has(id);
  }
}

/** Maps and sets iterate in insertion order: the first entries are the oldest. */
function trim(collection: Map<string, unknown> | Set<string>, capacity: number): void {
  for (const key of collection.keys()) {
    if (collection.size <= capacity) break;
    collection.delete(key);
  }
}
