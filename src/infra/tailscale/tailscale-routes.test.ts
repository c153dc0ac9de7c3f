import { test } from "node:test";
import assert from "node:assert/strict";
import { checkHttpsRootRoute, rootRouteConflictMessage } from "./tailscale-routes.js";

const web = (hostPort: string, handlers: Record<string, object>) => ({ TCP: { "443": { HTTPS: true } }, Web: { [hostPort]: { Handlers: handlers } } });

test("no routes, other ports and other paths leave :443 root free", () => {
  assert.deepEqual(checkHttpsRootRoute({}, 18789), { kind: "free" });
  assert.deepEqual(checkHttpsRootRoute(web("gw.ts.net:8443", { "/": { Proxy: "http://127.0.0.1:3000" } }), 18789), { kind: "free" });
  assert.deepEqual(checkHttpsRootRoute(web("gw.ts.net:443", { "/grafana": { Proxy: "http://127.0.0.1:3000" } }), 18789), { kind: "free" });
});

test("a root route to something else is a conflict, with the removal command for its kind", () => {
  const serve = checkHttpsRootRoute(web("gw.ts.net:443", { "/": { Proxy: "http://127.0.0.1:9999" } }), 18789);
  assert.deepEqual(serve, { kind: "conflict", route: "https://gw.ts.net/ -> http://127.0.0.1:9999", funnel: false });
  assert.match(rootRouteConflictMessage(serve as Extract<typeof serve, { kind: "conflict" }>), /`tailscale serve --yes --https=443 --set-path=\/ off`/);

  const funnel = checkHttpsRootRoute({ ...web("gw.ts.net:443", { "/": { Proxy: "http://127.0.0.1:9999" } }), AllowFunnel: { "gw.ts.net:443": true } }, 18789);
  assert.equal(funnel.kind === "conflict" && funnel.funnel, true);
  assert.match(rootRouteConflictMessage(funnel as Extract<typeof funnel, { kind: "conflict" }>), /`tailscale funnel --yes --https=443 --set-path=\/ off`/);

  const text = checkHttpsRootRoute(web("gw.ts.net:443", { "/": { Text: "hello" } }), 18789);
  assert.deepEqual(text, { kind: "conflict", route: "https://gw.ts.net/ -> non-proxy handler", funnel: false });
});

test("a root route exactly to the gateway port, alone on :443, is adopted", () => {
  for (const proxy of ["http://127.0.0.1:18789", "http://localhost:18789", "http://127.0.0.1:18789/"]) {
    assert.equal(checkHttpsRootRoute(web("gw.ts.net:443", { "/": { Proxy: proxy } }), 18789).kind, "adopt", proxy);
  }
  assert.equal(checkHttpsRootRoute(web("gw.ts.net:443", { "/": { Proxy: "http://127.0.0.1:187890" } }), 18789).kind, "conflict");
  assert.equal(checkHttpsRootRoute(web("gw.ts.net:443", { "/": { Proxy: "http://127.0.0.1:18789" }, "/x": { Proxy: "http://127.0.0.1:1" } }), 18789).kind, "conflict");
});
