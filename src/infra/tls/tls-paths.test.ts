import { test } from "node:test";
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { resolveTlsPaths } from "./tls-paths.js";

test("without paths in the config, the pair lives in <stateDir>/gateway/tls and there is no CA", () => {
  assert.deepEqual(resolveTlsPaths({ enabled: true }, "/state"), {
    certPath: "/state/gateway/tls/gateway-cert.pem",
    keyPath: "/state/gateway/tls/gateway-key.pem",
  });
});

test("configured paths override the defaults; blank ones are ignored and relative ones made absolute", () => {
  assert.deepEqual(resolveTlsPaths({ enabled: true, certPath: "/etc/c.pem", keyPath: "k.pem", caPath: "/etc/ca.pem" }, "/state"), {
    certPath: "/etc/c.pem",
    keyPath: resolve("k.pem"),
    caPath: "/etc/ca.pem",
  });
  assert.equal(resolveTlsPaths({ enabled: true, certPath: "  " }, "/state").certPath, "/state/gateway/tls/gateway-cert.pem");
});
