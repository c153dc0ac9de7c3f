import { randomInt } from "node:crypto";
import type { ChannelStore, PairingRequestRow } from "../store/channel-store.js";

/** Codes avoid characters that read alike (0/O, 1/I). */
const CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
export const PAIRING_CODE_LENGTH = 8;
export const PAIRING_TTL_MS = 60 * 60 * 1000;
export const PAIRING_PENDING_PER_ACCOUNT = 3;

export function newPairingCode(): string {
  let code = "";
  for (let i = 0; i < PAIRING_CODE_LENGTH; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code;
}

export type PairingChallenge =
  /** `created`: a new code the sender must be told; otherwise they already have one. */
  | { kind: "code"; code: string; created: boolean; expiresAt: number }
  /** Three senders are already waiting on this account: nothing is sent. */
  | { kind: "full" };

/** An unknown sender wrote a DM: their pending request, or a new one when there is room. */
export function challengeSender(
  store: ChannelStore,
  at: { channel: string; accountId: string },
  sender: { id: string; label: string; metadata?: Record<string, string> },
  now = Date.now(),
): PairingChallenge {
  store.expirePairing(now);
  const existing = store.pairingRequest(at.channel, at.accountId, sender.id);
  if (existing) {
    store.touchPairingRequest(at.channel, at.accountId, sender.id, now);
    return { kind: "code", code: existing.code, created: false, expiresAt: existing.expiresAt };
  }
  if (store.countPairing(at.channel, at.accountId) >= PAIRING_PENDING_PER_ACCOUNT) return { kind: "full" };
  for (;;) {
    const code = newPairingCode();
    if (store.pairingByCode(at.channel, code, at.accountId)) continue;
    const row: PairingRequestRow = {
      channel: at.channel,
      accountId: at.accountId,
      senderId: sender.id,
      senderLabel: sender.label,
      code,
      metadata: sender.metadata ?? {},
      createdAt: now,
      lastSeenAt: now,
      expiresAt: now + PAIRING_TTL_MS,
    };
    store.savePairingRequest(row);
    return { kind: "code", code, created: true, expiresAt: row.expiresAt };
  }
}

/** The text a new sender receives with their code. */
export function pairingMessage(channelLabel: string, code: string, senderId: string, channel: string): string {
  return [
    `This assistant only answers people its owner has approved.`,
    `Your ${channelLabel} id: ${senderId}`,
    `Pairing code: ${code} (valid for one hour)`,
    `Ask the owner to run: openclaw pairing approve ${channel} ${code}`,
  ].join("\n");
}

/** Pending requests that have not expired, oldest first. */
export function pendingRequests(store: ChannelStore, channel: string | null, accountId: string | null, now = Date.now()): PairingRequestRow[] {
  store.expirePairing(now);
  return store.listPairing(channel, accountId);
}

/** Approves the request with `code` (case-insensitive); null when no such code is pending. */
export function approveCode(store: ChannelStore, channel: string, code: string, accountId: string | null, now = Date.now()): PairingRequestRow | null {
  store.expirePairing(now);
  const request = store.pairingByCode(channel, code.trim().toUpperCase(), accountId);
  if (!request) return null;
  store.approveSender(channel, request.accountId, request.senderId);
  return request;
}
