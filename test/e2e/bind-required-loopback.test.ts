/**
 * A gateway bound to one address other than 127.0.0.1 (a tailnet IP, a custom host) also listens on
 * 127.0.0.1, same port, for clients on this machine (operations.md §4.3, §4.5). A tailnet interface
 * cannot be made here, so a custom loopback alias (127.0.0.2) stands in for the bound address.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { dump, httpGet, isListening, makeConfiguredSandbox, runOpenclaw, startGateway, useProcessCleanup } from "./process-harness.js";

useProcessCleanup();

test("--bind custom on 127.0.0.2 serves 127.0.0.1 too, with the same handlers", async () => {
  const { sb, port } = await makeConfiguredSandbox({ extraGateway: { customBindHost: "127.0.0.2" } });
  const gateway = await startGateway(sb.env, ["--bind", "custom"]);
  for (const host of ["127.0.0.2", "127.0.0.1"]) {
    const res = await httpGet(port, "/healthz", host);
    assert.equal(res?.status, 200, `${host}: ${JSON.stringify(res)}`);
  }
  assert.equal((await gateway.stop("SIGTERM")).code, 0, dump(gateway));
  assert.equal(await isListening(port, "127.0.0.1"), false, "the loopback listener closes with the gateway");
});

test("start-up fails when 127.0.0.1:<port> is taken", async () => {
  const { sb, port } = await makeConfiguredSandbox({ extraGateway: { customBindHost: "127.0.0.2" } });
  const squatter = createServer();
  await new Promise<void>((resolve) => squatter.listen({ host: "127.0.0.1", port, exclusive: true }, resolve));
  try {
    const r = await runOpenclaw(["gateway", "--bind", "custom"], sb.env);
    assert.equal(r.code, 1, dump(r));
    assert.match(r.stderr, new RegExp(`failed to bind gateway socket on ws://127\\.0\\.0\\.1:${port}`));
    assert.equal(await isListening(port, "127.0.0.2"), false, "the first listener was closed again");
  } finally {
    squatter.close();
  }
});
