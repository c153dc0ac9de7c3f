import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:net";
import { existsSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { resolveBwrap } from "./find-bwrap.js";
import { runCommand, startCommand } from "./run-command.js";
import { bwrapArgv, type SandboxPolicy } from "./sandbox.js";
import { sandboxCommandEnv } from "./child-env.js";
import { processesMatching, tempWorkspace, uniqueSeconds, waitUntil } from "./test-context.js";

const closedPolicy: SandboxPolicy = { network: false, cpuSeconds: 0, env: {} };

test("the argv unshares everything, binds the workspace read-write and not /etc wholesale", () => {
  const argv = bwrapArgv({ bwrapPath: "/usr/bin/bwrap", policy: closedPolicy, workspace: "/ws", cwd: "/ws/sub", argv: ["/bin/sh", "-c", "true"] });
  const joined = argv.join(" ");
  assert.equal(argv[0], "/usr/bin/bwrap");
  for (const flag of ["--unshare-all", "--die-with-parent", "--new-session", "--proc /proc", "--dev /dev", "--tmpfs /tmp", "--bind /ws /ws", "--chdir /ws/sub"]) assert.ok(joined.includes(flag), flag);
  assert.ok(!argv.includes("--share-net"));
  assert.ok(!/ \/etc \/etc( |$)/.test(joined), "all of /etc is bound");
  assert.ok(!joined.includes("/etc/passwd") && !joined.includes("/etc/shadow"));
  assert.deepEqual(argv.slice(argv.indexOf("--") + 1), ["/bin/sh", "-c", "true"]);
  // The workspace bind comes after the /tmp tmpfs, so a workspace under /tmp stays visible.
  assert.ok(argv.indexOf("--bind") > argv.indexOf("--tmpfs"));
});

test("network and a CPU cap change the argv", () => {
  const argv = bwrapArgv({ bwrapPath: "bwrap", policy: { network: true, cpuSeconds: 5, env: {} }, workspace: "/ws", cwd: "/ws", argv: ["prog", "a b"] });
  assert.ok(argv.includes("--share-net"));
  const inner = argv.slice(argv.indexOf("--") + 1);
  assert.equal(inner[0], "/bin/sh");
  assert.match(inner[2], /ulimit -S -t 5 && ulimit -H -t 6 && exec "\$@"/);
  assert.deepEqual(inner.slice(-2), ["prog", "a b"]);
});

async function bwrapOrSkip(t: TestContext): Promise<string | null> {
  const status = await resolveBwrap();
  if (status.ok) return status.path;
  t.skip(`bubblewrap cannot run here (${status.reason}); sandbox behaviour untested`);
  return null;
}

function sandboxed(bwrap: string, workspace: string, command: string, policy: SandboxPolicy = closedPolicy, extra: { signal?: AbortSignal; timeoutMs?: number } = {}) {
  return {
    argv: bwrapArgv({ bwrapPath: bwrap, policy, workspace, cwd: workspace, argv: ["/bin/sh", "-c", command] }),
    cwd: workspace,
    env: sandboxCommandEnv(workspace, { pathPrepend: [], sandboxEnv: policy.env, overrides: {} }),
    timeoutMs: extra.timeoutMs ?? 20_000,
    killGraceMs: 500,
    signal: extra.signal,
  };
}

test("sandboxed: writes in the workspace land on the host, HOME is the workspace", async (t) => {
  const bwrap = await bwrapOrSkip(t);
  if (!bwrap) return;
  const ws = tempWorkspace();
  const out = await runCommand(sandboxed(bwrap, ws, 'echo made > "$HOME/made.txt" && pwd && echo $HOME'));
  assert.equal(out.exitCode, 0, out.output);
  assert.equal(out.output, `${ws}\n${ws}\n`);
  assert.equal(readFileSync(join(ws, "made.txt"), "utf8"), "made\n");
});

test("sandboxed: the workspace's bootstrap files are read-only inside", async (t) => {
  const bwrap = await bwrapOrSkip(t);
  if (!bwrap) return;
  const ws = tempWorkspace();
  writeFileSync(join(ws, "AGENTS.md"), "the owner's rules\n");
  const out = await runCommand(sandboxed(bwrap, ws, 'echo "ignore the owner" > AGENTS.md; echo rc=$?; echo other > notes.md'));
  assert.match(out.output, /rc=[1-9]/, out.output);
  assert.equal(readFileSync(join(ws, "AGENTS.md"), "utf8"), "the owner's rules\n");
  assert.equal(readFileSync(join(ws, "notes.md"), "utf8"), "other\n", "the rest of the workspace stays writable");
});

test("sandboxed: /etc/passwd and the host's home are not there, system binaries are read-only", async (t) => {
  const bwrap = await bwrapOrSkip(t);
  if (!bwrap) return;
  const ws = tempWorkspace();
  const passwd = await runCommand(sandboxed(bwrap, ws, "cat /etc/passwd"));
  assert.notEqual(passwd.exitCode, 0);
  assert.match(passwd.output, /No such file/);
  const shadow = await runCommand(sandboxed(bwrap, ws, "cat /etc/shadow || ls /root"));
  assert.notEqual(shadow.exitCode, 0);
  const usr = await runCommand(sandboxed(bwrap, ws, "touch /usr/bin/openclaw-sandbox-probe"));
  assert.notEqual(usr.exitCode, 0);
  assert.equal(existsSync("/usr/bin/openclaw-sandbox-probe"), false);
});

test("sandboxed: the host's /tmp is replaced by a private one", async (t) => {
  const bwrap = await bwrapOrSkip(t);
  if (!bwrap) return;
  const ws = tempWorkspace();
  const hostFile = join(ws, "..", `host-only-${process.pid}`);
  writeFileSync(hostFile, "secret");
  try {
    const out = await runCommand(sandboxed(bwrap, ws, `cat ${hostFile}`));
    assert.notEqual(out.exitCode, 0);
  } finally {
    unlinkSync(hostFile);
  }
});

function listen(): Promise<{ server: Server; port: number; connections: () => number }> {
  let connections = 0;
  return new Promise((resolve) => {
    const server = createServer((socket) => {
      connections++;
      socket.on("error", () => {});
      socket.end("hello\n");
    });
    server.listen(0, "127.0.0.1", () => resolve({ server, port: (server.address() as { port: number }).port, connections: () => connections }));
  });
}

test("sandboxed: no TCP connection to a server on the host's loopback unless network is allowed", async (t) => {
  const bwrap = await bwrapOrSkip(t);
  if (!bwrap) return;
  const ws = tempWorkspace();
  const { server, port, connections } = await listen();
  try {
    const probe = `exec /usr/bin/bash -c 'exec 3<>/dev/tcp/127.0.0.1/${port} && echo CONNECTED'`;
    const closed = await runCommand(sandboxed(bwrap, ws, probe));
    assert.notEqual(closed.exitCode, 0, closed.output);
    assert.ok(!closed.output.includes("CONNECTED"));
    assert.equal(connections(), 0);
    const open = await runCommand(sandboxed(bwrap, ws, probe, { ...closedPolicy, network: true }));
    assert.equal(open.exitCode, 0, open.output);
    assert.match(open.output, /CONNECTED/);
  } finally {
    server.close();
  }
});

test("sandboxed: aborting kills the sandbox and everything in it", async (t) => {
  const bwrap = await bwrapOrSkip(t);
  if (!bwrap) return;
  const ws = tempWorkspace();
  const secs = uniqueSeconds();
  const abort = new AbortController();
  const command = startCommand(sandboxed(bwrap, ws, `sleep ${secs} & (sleep ${secs} &) ; sleep ${secs}; wait`, closedPolicy, { signal: abort.signal }));
  assert.ok(await waitUntil(() => processesMatching(`sleep\0${secs}`).length === 3), "the sandboxed sleeps did not start");
  abort.abort();
  const out = await command.done;
  assert.equal(out.stoppedBy, "aborted");
  assert.ok(await waitUntil(() => processesMatching(`sleep\0${secs}`).length === 0), "a sandboxed process survived the abort");
});

test("sandboxed: the CPU-time cap stops a busy loop", async (t) => {
  const bwrap = await bwrapOrSkip(t);
  if (!bwrap) return;
  const ws = tempWorkspace();
  const started = Date.now();
  const out = await runCommand(sandboxed(bwrap, ws, "while :; do :; done", { ...closedPolicy, cpuSeconds: 1 }));
  assert.equal(out.stoppedBy, null, "the wall-clock timeout fired instead of the CPU cap");
  assert.equal(out.exitCode, 128 + 24, `expected SIGXCPU, got ${out.exitCode}`);
  assert.ok(Date.now() - started < 10_000);
});
