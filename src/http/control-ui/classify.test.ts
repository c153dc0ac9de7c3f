import { test } from "node:test";
import assert from "node:assert/strict";
import { classifyUiRequest } from "./classify.js";
import { chooseEncoding } from "./encoding.js";
import { controlUiCsp, rewriteIndex } from "./index-page.js";
import { normalizeBasePath } from "./settings.js";

test("from the root every GET is the UI's except the reserved namespaces; other methods never are", () => {
  assert.deepEqual(classifyUiRequest("GET", "/", "", ""), { kind: "file", rel: "index.html" });
  assert.deepEqual(classifyUiRequest("HEAD", "/chat/main/x", "", ""), { kind: "file", rel: "chat/main/x" });
  for (const p of ["/api/x", "/v1/models", "/ui", "/j/abc", "/plugins/x", "/tools/invoke", "/health", "/sessions/agent%3Amain%3Amain/history"]) assert.equal(classifyUiRequest("GET", p, "", ""), null, p);
  assert.deepEqual(classifyUiRequest("GET", "/sessions", "", ""), { kind: "file", rel: "sessions" }, "the Sessions page reloads");
  assert.equal(classifyUiRequest("POST", "/", "", ""), null);
  assert.deepEqual(classifyUiRequest("GET", "/control-ui-config.json", "", ""), { kind: "runtime-config" });
  assert.deepEqual(classifyUiRequest("GET", "/__openclaw__/control-ui-config.json", "", ""), { kind: "runtime-config" });
});

test("with a base path only the base and below are the UI's; the bare base redirects with its query", () => {
  assert.deepEqual(classifyUiRequest("GET", "/openclaw", "?a=1", "/openclaw"), { kind: "redirect", location: "/openclaw/?a=1" });
  assert.equal(classifyUiRequest("GET", "/other", "", "/openclaw"), null);
  assert.equal(classifyUiRequest("GET", "/openclawx", "", "/openclaw"), null);
  assert.deepEqual(classifyUiRequest("GET", "/openclaw/", "", "/openclaw"), { kind: "file", rel: "index.html" });
  assert.deepEqual(classifyUiRequest("GET", "/openclaw/control-ui-config.json", "", "/openclaw"), { kind: "runtime-config" });
  assert.deepEqual(classifyUiRequest("GET", "/openclaw/__openclaw__/control-ui-config.json", "", "/openclaw"), { kind: "runtime-config" });
});

test("deep links load the root's assets; traversal, NUL and backslashes never leave the root", () => {
  assert.deepEqual(classifyUiRequest("GET", "/chat/main/assets/index-abc.js", "", ""), { kind: "file", rel: "assets/index-abc.js" });
  for (const p of ["/../etc/passwd", "/a/%2e%2e/%2e%2e/etc/passwd", "/x%00y", "/a%5c..%5cb", "/%E0%A4%A"]) {
    const r = classifyUiRequest("GET", p, "", "");
    assert.deepEqual(r, { kind: "file", rel: "index.html" }, p);
  }
});

test("base paths are normalized; anything odd means the root", () => {
  assert.equal(normalizeBasePath("/openclaw/"), "/openclaw");
  assert.equal(normalizeBasePath("openclaw"), "/openclaw");
  assert.equal(normalizeBasePath("/"), "");
  assert.equal(normalizeBasePath("/a/../b"), "");
  assert.equal(normalizeBasePath("//evil.example"), "", "never a protocol-relative redirect");
  assert.equal(normalizeBasePath("/a//b"), "");
  assert.equal(normalizeBasePath("/a b"), "");
  assert.equal(normalizeBasePath(42), "");
});

test("encodings: the most compact acceptable one; identity unless refused; none acceptable is null", () => {
  assert.equal(chooseEncoding("gzip, deflate, br", ["br", "gzip", "identity"]), "br");
  assert.equal(chooseEncoding("gzip", ["br", "gzip", "identity"]), "gzip");
  assert.equal(chooseEncoding("br;q=0, gzip", ["br", "gzip", "identity"]), "gzip");
  assert.equal(chooseEncoding(undefined, ["br", "gzip", "identity"]), "identity");
  assert.equal(chooseEncoding("br", ["identity"]), "identity");
  assert.equal(chooseEncoding("identity;q=0", ["identity"]), null);
  assert.equal(chooseEncoding("*;q=0", ["gzip", "identity"]), null);
  assert.equal(chooseEncoding("*", ["gzip", "identity"]), "gzip");
});

test("index.html: relative links become absolute under the base, <html> announces it, inline scripts are hashed for the CSP", () => {
  const page = rewriteIndex(`<!doctype html><html lang="en"><head><script type="module" src="./assets/app-1.js"></script><link rel="icon" href="./favicon.svg"><script>window.x=1</script></head></html>`, "/oc");
  assert.match(page.html, /src="\/oc\/assets\/app-1\.js"/);
  assert.match(page.html, /href="\/oc\/favicon\.svg"/);
  assert.match(page.html, /<html data-openclaw-control-ui-base-path="\/oc" data-openclaw-terminal-enabled="false" lang="en">/);
  assert.equal(page.inlineScriptHashes.length, 1, "the external script is not hashed");
  assert.match(page.inlineScriptHashes[0]!, /^'sha256-[A-Za-z0-9+/]+=*'$/);
  const csp = controlUiCsp(page.inlineScriptHashes);
  assert.match(csp, /script-src 'self' 'sha256-/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.match(csp, /connect-src 'self' ws: wss:/);
});
