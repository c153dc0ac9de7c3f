import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { ChannelStore } from "../store/channel-store.js";
import {
  approveCode,
  challengeSender,
  newPairingCode,
  pairingMessage,
  pendingRequests,
  PAIRING_CODE_LENGTH,
  PAIRING_PENDING_PER_ACCOUNT,
  PAIRING_TTL_MS,
} from "./pairing.js";

const dirs: string[] = [];
const stores: ChannelStore[] = [];
after(() => {
  for (const s of stores) s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function openStore(): Promise<ChannelStore> {
  const dir = mkdtempSync(join(tmpdir(), "ocgw-pairing-"));
  dirs.push(dir);
  const store = await ChannelStore.open(dir);
  stores.push(store);
  return store;
}

const TG = { channel: "telegram", accountId: "default" };
const sender = (id: string) => ({ id, label: `User ${id}` });
const T0 = 1_700_000_000_000;

describe("pairing codes", () => {
  it("are 8 characters from the unambiguous alphabet", () => {
    assert.equal(PAIRING_CODE_LENGTH, 8);
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const code = newPairingCode();
      assert.match(code, /^[A-HJ-NP-Z2-9]{8}$/);
      assert.doesNotMatch(code, /[0O1I]/);
      seen.add(code);
    }
    assert.ok(seen.size > 1990, "codes are random");
  });

  it("the message tells the sender their id, the code and the approve command", () => {
    const text = pairingMessage("Telegram", "ABCD2345", "12345", "telegram");
    assert.match(text, /12345/);
    assert.match(text, /ABCD2345/);
    assert.match(text, /openclaw pairing approve telegram ABCD2345/);
  });
});

describe("challengeSender", () => {
  it("issues a code for a new sender and stores the request", async () => {
    const store = await openStore();
    const c = challengeSender(store, TG, { ...sender("100"), metadata: { conversationId: "100" } }, T0);
    assert.equal(c.kind, "code");
    if (c.kind !== "code") return;
    assert.equal(c.created, true);
    assert.match(c.code, /^[A-HJ-NP-Z2-9]{8}$/);
    assert.equal(c.expiresAt, T0 + PAIRING_TTL_MS);
    const row = store.pairingRequest("telegram", "default", "100");
    assert.equal(row?.code, c.code);
    assert.equal(row?.senderLabel, "User 100");
    assert.deepEqual(row?.metadata, { conversationId: "100" });
  });

  it("a second DM from the same sender gets the same code with created=false", async () => {
    const store = await openStore();
    const first = challengeSender(store, TG, sender("100"), T0);
    const second = challengeSender(store, TG, sender("100"), T0 + 60_000);
    assert.equal(first.kind, "code");
    assert.equal(second.kind, "code");
    if (first.kind !== "code" || second.kind !== "code") return;
    assert.equal(second.code, first.code);
    assert.equal(second.created, false);
    assert.equal(second.expiresAt, first.expiresAt, "a repeat DM does not extend the code");
    assert.equal(store.countPairing("telegram", "default"), 1);
  });

  it("at most 3 pending per account: the 4th sender is refused, other accounts are not affected", async () => {
    const store = await openStore();
    assert.equal(PAIRING_PENDING_PER_ACCOUNT, 3);
    const codes = ["1", "2", "3"].map((id) => challengeSender(store, TG, sender(id), T0));
    assert.ok(codes.every((c) => c.kind === "code" && c.created));
    assert.equal(new Set(codes.map((c) => (c.kind === "code" ? c.code : ""))).size, 3, "each sender has its own code");
    assert.deepEqual(challengeSender(store, TG, sender("4"), T0), { kind: "full" });
    assert.equal(store.pairingRequest("telegram", "default", "4"), null);
    // someone already waiting still gets their code back when full
    const again = challengeSender(store, TG, sender("2"), T0);
    assert.equal(again.kind === "code" && again.created, false);
    // another account, and the same account id on another channel, have their own room
    const work = challengeSender(store, { channel: "telegram", accountId: "work" }, sender("4"), T0);
    assert.equal(work.kind === "code" && work.created, true);
    const irc = challengeSender(store, { channel: "irc", accountId: "default" }, sender("4"), T0);
    assert.equal(irc.kind === "code" && irc.created, true);
  });

  it("a request expires after one hour, which frees a slot; a new code is issued", async () => {
    const store = await openStore();
    const first = challengeSender(store, TG, sender("1"), T0);
    challengeSender(store, TG, sender("2"), T0 + 1000);
    challengeSender(store, TG, sender("3"), T0 + 2000);
    assert.equal(challengeSender(store, TG, sender("4"), T0 + PAIRING_TTL_MS - 1).kind, "full", "not yet expired");
    const fourth = challengeSender(store, TG, sender("4"), T0 + PAIRING_TTL_MS);
    assert.equal(fourth.kind === "code" && fourth.created, true, "sender 1 expired, so sender 4 gets a slot");
    assert.equal(store.pairingRequest("telegram", "default", "1"), null);
    // sender 1 writes again: a fresh request (a new code, created) if there is room
    assert.equal(challengeSender(store, TG, sender("1"), T0 + PAIRING_TTL_MS).kind, "full");
    const later = T0 + PAIRING_TTL_MS + 1000;
    const renewed = challengeSender(store, TG, sender("1"), later);
    assert.equal(renewed.kind, "code");
    if (renewed.kind !== "code" || first.kind !== "code") return;
    assert.equal(renewed.created, true);
    assert.equal(renewed.expiresAt, later + PAIRING_TTL_MS);
  });

  it("pendingRequests lists unexpired requests oldest first", async () => {
    const store = await openStore();
    challengeSender(store, TG, sender("b"), T0 + 10);
    challengeSender(store, TG, sender("a"), T0 + 20);
    challengeSender(store, { channel: "irc", accountId: "default" }, sender("c"), T0 + 30);
    assert.deepEqual(pendingRequests(store, "telegram", null, T0 + 100).map((r) => r.senderId), ["b", "a"]);
    assert.deepEqual(pendingRequests(store, null, null, T0 + 100).map((r) => r.senderId), ["b", "a", "c"]);
    assert.deepEqual(pendingRequests(store, "telegram", null, T0 + 15 + PAIRING_TTL_MS).map((r) => r.senderId), ["a"]);
  });
});

describe("approveCode", () => {
  it("is case-insensitive, removes the request and approves the sender", async () => {
    const store = await openStore();
    const c = challengeSender(store, TG, sender("100"), T0);
    assert.ok(c.kind === "code");
    assert.deepEqual(store.approvedSenders("telegram", "default"), []);
    const row = approveCode(store, "telegram", ` ${c.code.toLowerCase()} `, null, T0 + 1000);
    assert.equal(row?.senderId, "100");
    assert.equal(row?.accountId, "default");
    assert.equal(store.pairingRequest("telegram", "default", "100"), null);
    assert.deepEqual(store.approvedSenders("telegram", "default"), ["100"]);
    assert.deepEqual(store.approvedSenders("telegram", "work"), [], "approval is per account");
    assert.equal(approveCode(store, "telegram", c.code, null, T0 + 2000), null, "a code works once");
    // the approved sender's slot is free again
    for (const id of ["2", "3", "4"]) assert.equal(challengeSender(store, TG, sender(id), T0 + 3000).kind, "code");
  });

  it("an unknown code, a code of another channel or account, or an expired code → null", async () => {
    const store = await openStore();
    const c = challengeSender(store, TG, sender("100"), T0);
    assert.ok(c.kind === "code");
    assert.equal(approveCode(store, "telegram", "ZZZZZZZZ", null, T0), null);
    assert.equal(approveCode(store, "irc", c.code, null, T0), null);
    assert.equal(approveCode(store, "telegram", c.code, "work", T0), null);
    assert.equal(approveCode(store, "telegram", c.code, null, T0 + PAIRING_TTL_MS), null, "expired");
    assert.deepEqual(store.approvedSenders("telegram", "default"), []);
    assert.equal(store.countPairing("telegram", "default"), 0, "expired requests are removed");
  });

  it("an account filter that matches approves", async () => {
    const store = await openStore();
    const c = challengeSender(store, { channel: "telegram", accountId: "work" }, sender("5"), T0);
    assert.ok(c.kind === "code");
    assert.equal(approveCode(store, "telegram", c.code, "work", T0)?.senderId, "5");
    assert.deepEqual(store.approvedSenders("telegram", "work"), ["5"]);
  });
});
