/**
 * WhatsApp addresses. A JID is `<user>[_agent][:device]@<server>`: phone-number users on
 * `s.whatsapp.net` (old `c.us`), privacy ids on `lid`, groups on `g.us`, lists and status on
 * `broadcast`, channels on `newsletter`. Allowlists and sender ids use E.164 (`+<digits>`) for
 * phone numbers and the bare JID for anything else.
 */
import type { ChatType, OutboundTarget } from "../types.js";

const PHONE_SERVER = "s.whatsapp.net";
const E164 = /^\+?(\d{6,15})$/;

type ParsedJid = { user: string; device?: number; server: string };

function parseJid(jid: string): ParsedJid | null {
  const at = jid.lastIndexOf("@");
  if (at <= 0 || at === jid.length - 1) return null;
  const server = jid.slice(at + 1).toLowerCase();
  const [userAgent, device] = jid.slice(0, at).split(":");
  const user = userAgent.split("_")[0];
  if (!user) return null;
  const deviceNumber = device !== undefined && /^\d+$/.test(device) ? Number(device) : undefined;
  return { user, server: server === "c.us" ? PHONE_SERVER : server, ...(deviceNumber !== undefined ? { device: deviceNumber } : {}) };
}

/** `447700900123:12@s.whatsapp.net` → `447700900123@s.whatsapp.net`: the user, not one device. */
export function normalizeJid(jid: string): string {
  const parsed = parseJid(jid.trim());
  return parsed ? `${parsed.user}@${parsed.server}` : jid.trim();
}

/** `+447700900123` for a phone-number JID; undefined for a LID, group or anything else. */
export function jidToE164(jid: string): string | undefined {
  const parsed = parseJid(jid);
  return parsed && parsed.server === PHONE_SERVER && /^\d+$/.test(parsed.user) ? `+${parsed.user}` : undefined;
}

/** How a person is identified for allowlists: E.164 when the JID is a phone number, else the bare JID. */
export function personId(jid: string): string {
  return jidToE164(jid) ?? normalizeJid(jid);
}

function stripScheme(raw: string): string {
  return raw.trim().replace(/^whatsapp:/i, "").trim();
}

/** `+44 (0) 7700-900 123`-style input to `+447700900123`; undefined when it is not a number. */
function normalizeE164(raw: string): string | undefined {
  const compact = stripScheme(raw).replace(/[\s\-().]/g, "");
  const match = E164.exec(compact);
  return match ? `+${match[1]}` : undefined;
}

export function normalizeAllowEntry(raw: string): string {
  const entry = stripScheme(raw);
  if (entry === "*") return "*";
  if (entry.includes("@")) return personId(entry.toLowerCase());
  return normalizeE164(entry) ?? entry;
}

function e164ToJid(e164: string): string {
  return `${e164.replace(/^\+/, "")}@${PHONE_SERVER}`;
}

export function isGroupJid(jid: string): boolean {
  return jid.endsWith("@g.us");
}

/** Status updates, broadcast lists and channels: never conversations the bot takes part in. */
export function isIgnoredJid(jid: string): boolean {
  const server = parseJid(jid)?.server;
  return server === "broadcast" || server === "newsletter";
}

const TARGET_HELP = "expected +<country code><number>, <digits>@s.whatsapp.net, <id>@lid or <id>@g.us";

export function parseTarget(raw: string): OutboundTarget | { error: string } {
  const target = stripScheme(raw);
  if (target.includes("@")) {
    const parsed = parseJid(target);
    if (parsed?.server === "g.us" && /^[\d-]+$/.test(parsed.user)) return { conversationId: `${parsed.user}@g.us` };
    if (parsed?.server === PHONE_SERVER && /^\d{6,15}$/.test(parsed.user)) return { conversationId: `${parsed.user}@${PHONE_SERVER}` };
    if (parsed?.server === "lid" && /^\d+$/.test(parsed.user)) return { conversationId: `${parsed.user}@lid` };
    return { error: `not a WhatsApp chat: ${JSON.stringify(raw)} (${TARGET_HELP})` };
  }
  const e164 = normalizeE164(target);
  return e164 ? { conversationId: e164ToJid(e164) } : { error: `not a WhatsApp number: ${JSON.stringify(raw)} (${TARGET_HELP})` };
}

export function chatTypeOf(target: OutboundTarget): ChatType {
  if (isGroupJid(target.conversationId)) return "group";
  return target.conversationId.endsWith("@newsletter") ? "channel" : "direct";
}

/** The JIDs that mean "us": our phone-number user and our LID, both without a device. */
export function selfJids(user: { id: string; lid?: string } | undefined): Set<string> {
  const jids = new Set<string>();
  if (user?.id) jids.add(normalizeJid(user.id));
  if (user?.lid) jids.add(normalizeJid(user.lid));
  return jids;
}
