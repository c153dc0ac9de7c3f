import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REDACTED } from "../../../config/redact.js";
import { ApprovalsFileError, ApprovalsFileStore, approvalsFilePath, hashApprovalsText, redactApprovalsFile } from "./approvals-file.js";

const store = () => new ApprovalsFileStore(approvalsFilePath(mkdtempSync(join(tmpdir(), "ocgw-approvals-"))));

test("a missing file reads as defaults, with the hash of empty text", async () => {
  const s = store();
  const snap = await s.read();
  assert.equal(snap.exists, false);
  assert.deepEqual(snap.file, { version: 1 });
  assert.equal(snap.hash, hashApprovalsText(""));
  assert.ok(s.path.endsWith("/exec-approvals.json"));
});

test("replace writes atomically at 0600 and reads back the same document and hash", async () => {
  const s = store();
  const file = { version: 1 as const, defaults: { security: "allowlist", ask: "on-miss" }, agents: { main: { allowlist: [{ id: "e1", pattern: "/usr/bin/git", argPattern: "^status$" }] } } };
  const written = await s.replace(file);
  assert.equal(statSync(s.path).mode & 0o777, 0o600);
  assert.equal(written.hash, hashApprovalsText(readFileSync(s.path, "utf8")));
  const read = await s.read();
  assert.equal(read.exists, true);
  assert.equal(read.hash, written.hash);
  assert.deepEqual(read.file, file);
});

test("a stale baseHash is refused with a clear error; the current hash is accepted", async () => {
  const s = store();
  const first = await s.replace({ version: 1, defaults: { security: "full" } });
  await s.replace({ version: 1, defaults: { security: "deny" } }, first.hash);
  await assert.rejects(s.replace({ version: 1 }, first.hash), (err: ApprovalsFileError) => {
    assert.equal(err.code, "stale-hash");
    assert.match(err.message, /changed since they were read .*exec\.approvals\.get/);
    return true;
  });
  assert.equal((await s.read()).file.defaults?.security, "deny");
});

test("invalid documents are refused with every problem named", async () => {
  const s = store();
  await assert.rejects(
    s.replace({ version: 1, defaults: { security: "sometimes" }, agents: { main: { ask: "never", allowlist: [{ pattern: "", argPattern: "([" }] } } }),
    (err: ApprovalsFileError) => {
      assert.equal(err.code, "invalid");
      assert.match(err.message, /defaults\.security: must be one of deny, allowlist, full/);
      assert.match(err.message, /agents\.main\.ask/);
      assert.match(err.message, /allowlist\.0\.pattern: must not be empty/);
      assert.match(err.message, /argPattern: not a valid regular expression/);
      return true;
    },
  );
  await assert.rejects(s.replace({ version: 2 }), /invalid exec approvals file/);
});

test("a corrupt file is reported, never silently treated as defaults", async () => {
  const s = store();
  await s.replace({ version: 1 });
  writeFileSync(s.path, "{ nope");
  const snap = await s.read();
  assert.match(snap.problem ?? "", /not valid JSON/);
  await assert.rejects(s.update(() => true), /not valid JSON/);
});

test("legacy shapes load: agents.default becomes main, ids are filled in stably, null stamps dropped", async () => {
  const s = store();
  writeFileSync(s.path, JSON.stringify({ agents: { default: { allowlist: [{ pattern: "rg", lastUsedAt: null, commandText: "rg x" }] } } }));
  const a = await s.read();
  assert.equal(a.problem, undefined);
  const entry = a.file.agents?.main?.allowlist?.[0];
  assert.ok(entry?.id);
  assert.equal(entry.lastUsedAt, undefined);
  assert.equal((entry as unknown as { commandText?: string }).commandText, undefined);
  assert.equal((await s.read()).file.agents?.main?.allowlist?.[0]?.id, entry.id);
});

test("update serializes writers so concurrent edits are all kept", async () => {
  const s = store();
  await Promise.all(
    Array.from({ length: 8 }, (_, i) =>
      s.update((f) => {
        ((f.agents ??= {}).main ??= {}).allowlist = [...(f.agents.main.allowlist ?? []), { id: `e${i}`, pattern: `/bin/t${i}` }];
        return true;
      }),
    ),
  );
  assert.equal((await s.read()).file.agents?.main?.allowlist?.length, 8);
});

test("the socket token is redacted for readers and kept when the sentinel is written back", async () => {
  const s = store();
  await s.replace({ version: 1, socket: { path: "/x.sock", token: "secret-token" } });
  const shown = redactApprovalsFile((await s.read()).file);
  assert.equal(shown.socket?.token, REDACTED);
  await s.replace({ ...shown, defaults: { ask: "always" } });
  assert.equal((await s.read()).file.socket?.token, "secret-token");
});
