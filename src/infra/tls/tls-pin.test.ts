import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadServerTls } from "./tls-material.js";
import { localTlsPin } from "./tls-pin.js";

test("localTlsPin is absent with TLS off and reads the certificate file at call time with TLS on", async () => {
  const stateDir = mkdtempSync(join(tmpdir(), "ocgw-tls-pin-"));
  assert.equal(localTlsPin(undefined, stateDir), undefined);
  assert.equal(localTlsPin({ enabled: false }, stateDir), undefined);
  const pin = localTlsPin({ enabled: true }, stateDir)!;
  assert.equal(pin(), "", "no certificate yet: a pin that matches nothing");
  const tls = await loadServerTls({ enabled: true }, stateDir);
  assert.equal(pin(), tls!.fingerprint);
});
