import assert from "node:assert/strict";
import { tmpdir } from "node:os";
import { describe, it } from "node:test";
import type { GatewayConfig } from "../../../config/schema.js";
import { GatewayError } from "../../../protocol/errors.js";
import { ToolError, type NodeRunner, type NodeSummary, type ToolContext } from "../types.js";
import { execTool } from "./exec-tool.js";
import { runOnNode, selectExecNode } from "./node-exec.js";
import { ProcessRegistry } from "./process-registry.js";
import { RecordingGate, toolContext, type TestContext } from "./test-context.js";

type InvokeCall = Parameters<NodeRunner["invoke"]>[0];

const BUILD_BOX: NodeSummary = { nodeId: "node-build-1234", displayName: "Build Box", remoteIp: "10.0.0.7", platform: "linux", connected: true, commands: ["system.run", "system.which"] };

function node(extra: Partial<NodeSummary> = {}): NodeSummary {
  return { ...BUILD_BOX, ...extra };
}

/** A node runner that answers the way the official node host does. */
function fakeRunner(nodes: NodeSummary[], answer?: (req: InvokeCall) => Promise<{ payload: unknown }>) {
  const calls: InvokeCall[] = [];
  let listed = 0;
  const runner: NodeRunner & { calls: InvokeCall[]; listed(): number } = {
    calls,
    listed: () => listed,
    async list() {
      listed += 1;
      return nodes;
    },
    async invoke(req) {
      calls.push(req);
      if (answer) return answer(req);
      if (req.command === "system.which") {
        const bins = (req.params as { bins: string[] }).bins;
        return { payload: { bins: Object.fromEntries(bins.map((b) => [b, `/usr/bin/${b}`])) } };
      }
      return { payload: { exitCode: 0, timedOut: false, success: true, stdout: "hello\n", stderr: "warn\n", error: null } };
    },
  };
  return runner;
}

function nodeContext(runner: NodeRunner | undefined, overrides: Partial<ToolContext> & { gate?: RecordingGate } = {}): TestContext {
  const ctx = toolContext({ workspace: tmpdir(), ...overrides });
  ctx.host = { ...ctx.host, ...(runner ? { nodes: runner } : {}) };
  return ctx;
}

const toolError = (kind: string, pattern?: RegExp) => (e: unknown) => e instanceof ToolError && e.kind === kind && (!pattern || pattern.test(e.message));
const runs = (runner: { calls: InvokeCall[] }) => runner.calls.filter((c) => c.command === "system.run");

describe("selectExecNode", () => {
  const other = node({ nodeId: "node-mac-5678", displayName: "Laptop", remoteIp: "10.0.0.8", platform: "darwin" });

  it("chooses the sole eligible node when none is named", () => {
    const offline = node({ nodeId: "node-off", displayName: "Off", connected: false });
    const noRun = node({ nodeId: "node-cam", displayName: "Cam", commands: ["camera.snap"] });
    assert.equal(selectExecNode([offline, BUILD_BOX, noRun], undefined), BUILD_BOX);
  });

  it("several eligible nodes: an error naming them", () => {
    assert.throws(() => selectExecNode([BUILD_BOX, other], undefined), (e: unknown) => {
      assert.ok(toolError("invalid_arguments")(e));
      assert.match((e as Error).message, /node-build-1234 \(Build Box\)/);
      assert.match((e as Error).message, /node-mac-5678 \(Laptop\)/);
      return true;
    });
  });

  it("a named node by id, by displayName (any case), by remoteIp, by a long id prefix", () => {
    const nodes = [BUILD_BOX, other];
    assert.equal(selectExecNode(nodes, "node-mac-5678"), other);
    assert.equal(selectExecNode(nodes, "build box"), BUILD_BOX);
    assert.equal(selectExecNode(nodes, "LAPTOP"), other);
    assert.equal(selectExecNode(nodes, "10.0.0.7"), BUILD_BOX);
    assert.equal(selectExecNode(nodes, "node-bui"), BUILD_BOX);
    assert.throws(() => selectExecNode(nodes, "node-b"), toolError("invalid_arguments"), "a short prefix does not match");
  });

  it("a query matching several nodes is refused", () => {
    assert.throws(() => selectExecNode([BUILD_BOX, node({ nodeId: "node-build-9999" })], "build box"), toolError("invalid_arguments", /several nodes/));
  });

  it("named by id but disconnected", () => {
    assert.throws(() => selectExecNode([node({ connected: false }), other], "node-build-1234"), toolError("unavailable", /not connected/));
  });

  it("a display name or IP, which nodes report themselves, names only a node that can run commands", () => {
    const impostor = node({ nodeId: "node-evil-0000", displayName: "Build Box", commands: [] });
    assert.equal(selectExecNode([impostor, BUILD_BOX], "build box").nodeId, "node-build-1234");
    assert.throws(() => selectExecNode([node({ connected: false }), other], "Build Box"), toolError("invalid_arguments", /only names a connected node/));
  });

  it("named but without system.run", () => {
    assert.throws(() => selectExecNode([node({ commands: ["system.which"] }), other], "node-build-1234"), toolError("unavailable", /does not offer system\.run/));
  });

  it("an unknown name", () => {
    assert.throws(() => selectExecNode([BUILD_BOX], "kitchen"), (e: unknown) => toolError("invalid_arguments", /no node matches "kitchen"/)(e) && /node-build-1234/.test((e as Error).message));
  });

  it("no eligible node at all", () => {
    assert.throws(() => selectExecNode([], undefined), toolError("unavailable", /paired nodes: none/));
    assert.throws(() => selectExecNode([node({ connected: false })], undefined), toolError("unavailable", /there is none/));
  });
});

describe("runOnNode", () => {
  it("invokes system.run with the shell argv, raw command, timeout, env and suppressNotifyOnExit", async () => {
    const runner = fakeRunner([BUILD_BOX]);
    const ctx = nodeContext(runner, { runId: "run-7" });
    await runOnNode({ command: "echo hi | wc -c", workdir: "/srv/app", env: { FOO: "bar" }, timeoutSeconds: 12 }, ctx, undefined);
    assert.equal(runner.calls.length, 1);
    const [call] = runner.calls;
    assert.equal(call.nodeId, "node-build-1234");
    assert.equal(call.command, "system.run");
    assert.deepEqual(call.params, {
      command: ["/bin/sh", "-lc", "echo hi | wc -c"],
      rawCommand: "echo hi | wc -c",
      cwd: "/srv/app",
      env: { FOO: "bar" },
      timeoutMs: 12_000,
      agentId: "main",
      sessionKey: "agent:main:main",
      runId: "run-7",
      suppressNotifyOnExit: true,
    });
    assert.ok(call.timeoutMs > 12_000, "the wait allows the node time to report");
    assert.equal(call.idempotencyKey, "exec:run-7:call-1");
    assert.equal(call.sessionKey, "agent:main:main");
    assert.equal(call.signal, ctx.signal);
  });

  it("without env, workdir or time limit those params are left out", async () => {
    const runner = fakeRunner([BUILD_BOX]);
    await runOnNode({ command: "true", timeoutSeconds: 0 }, nodeContext(runner), undefined);
    const params = runs(runner)[0].params as Record<string, unknown>;
    assert.equal("env" in params, false);
    assert.equal("cwd" in params, false);
    assert.equal("timeoutMs" in params, false);
    assert.equal("runId" in params, false);
    assert.ok(runs(runner)[0].timeoutMs >= 24 * 3600_000, "no limit still waits (bounded, long)");
  });

  it("a Windows node gets a cmd.exe argv", async () => {
    const runner = fakeRunner([node({ platform: "Windows" })]);
    await runOnNode({ command: "dir C:\\", timeoutSeconds: 5 }, nodeContext(runner), undefined);
    assert.deepEqual((runs(runner)[0].params as { command: string[] }).command, ["cmd.exe", "/d", "/s", "/c", "dir C:\\"]);
  });

  it("asks the gate with node.nodeId set and sandboxed false", async () => {
    const runner = fakeRunner([BUILD_BOX]);
    const ctx = nodeContext(runner, { sandboxed: true });
    await runOnNode({ command: "ls -la", timeoutSeconds: 5 }, ctx, undefined);
    assert.equal(ctx.gate.requests.length, 1);
    const [request] = ctx.gate.requests;
    assert.equal(request.node?.nodeId, "node-build-1234");
    assert.equal(typeof request.node?.resolveProgram, "function");
    assert.equal(request.sandboxed, false);
    assert.equal(request.commandText, "ls -la");
    assert.deepEqual(request.argv, ["ls", "-la"]);
    assert.equal(request.cwd, "/");
    assert.equal(request.toolCallId, "call-1");
  });

  it("a gate refusal means no system.run invoke and a blocked ToolError", async () => {
    const runner = fakeRunner([BUILD_BOX]);
    const gate = new RecordingGate({ allowed: false, via: "allowlist-miss", message: "not on the allowlist", requiresApproval: true });
    const ctx = nodeContext(runner, { gate });
    await assert.rejects(runOnNode({ command: "rm -rf /tmp/x", timeoutSeconds: 5 }, ctx, undefined), (e: unknown) => {
      assert.ok(toolError("blocked")(e));
      assert.equal((e as Error).message, "not on the allowlist");
      assert.deepEqual((e as ToolError).details, { via: "allowlist-miss", host: "node", nodeId: "node-build-1234", requiresApproval: true });
      return true;
    });
    assert.deepEqual(runs(runner), []);
  });

  it("the result shows stdout, stderr and the node, with exit details", async () => {
    const runner = fakeRunner([BUILD_BOX]);
    const result = await runOnNode({ command: "make", timeoutSeconds: 5 }, nodeContext(runner), undefined);
    assert.equal(result.content, "hello\nwarn\n\nRan on node node-build-1234 (Build Box): exit code 0.");
    assert.equal(result.details?.exitCode, 0);
    assert.equal(result.details?.status, "completed");
    assert.equal(result.details?.timedOut, false);
    assert.equal(result.details?.host, "node");
    assert.equal(result.details?.nodeId, "node-build-1234");
    assert.equal(typeof result.details?.durationMs, "number");
  });

  it("a failing or timed-out command is reported as failed", async () => {
    const failing = fakeRunner([BUILD_BOX], async () => ({ payload: { exitCode: 2, timedOut: false, success: false, stdout: "", stderr: "no such file\n", error: null } }));
    const failed = await runOnNode({ command: "cat nope", timeoutSeconds: 5 }, nodeContext(failing), undefined);
    assert.equal(failed.content, "no such file\n\nRan on node node-build-1234 (Build Box): exit code 2 (failed).");
    assert.equal(failed.details?.status, "failed");
    assert.equal(failed.details?.exitCode, 2);
    const slow = fakeRunner([BUILD_BOX], async () => ({ payload: { exitCode: null, timedOut: true, success: false, stdout: "", stderr: "", error: null } }));
    const stopped = await runOnNode({ command: "sleep 99", timeoutSeconds: 3 }, nodeContext(slow), undefined);
    assert.match(stopped.content, /^\(no output\)\n\nStopped on node node-build-1234 \(Build Box\): it ran longer than 3 s/);
    assert.equal(stopped.details?.timedOut, true);
    assert.equal(stopped.details?.status, "failed");
  });

  it("a relative workdir is refused before anything is asked", async () => {
    const runner = fakeRunner([BUILD_BOX]);
    const ctx = nodeContext(runner);
    await assert.rejects(runOnNode({ command: "ls", workdir: "src", timeoutSeconds: 5 }, ctx, undefined), toolError("invalid_arguments", /absolute path/));
    assert.equal(runner.listed(), 0);
    assert.equal(ctx.gate.requests.length, 0);
    assert.deepEqual(runner.calls, []);
  });

  it("env overrides that would get around approvals are refused", async () => {
    const runner = fakeRunner([BUILD_BOX]);
    const ctx = nodeContext(runner);
    for (const env of [{ PATH: "/tmp/evil" }, { LD_PRELOAD: "/tmp/x.so" }, { NODE_OPTIONS: "--require /tmp/x.js" }, { "BAD NAME": "x" }]) {
      await assert.rejects(runOnNode({ command: "ls", env, timeoutSeconds: 5 }, ctx, undefined), toolError("invalid_arguments"), JSON.stringify(env));
    }
    assert.equal(ctx.gate.requests.length, 0);
    assert.deepEqual(runner.calls, []);
  });

  it("progress chunks from the node end up in ctx.updates", async () => {
    const runner = fakeRunner([BUILD_BOX], async (req) => {
      req.onProgress?.("line 1\n");
      req.onProgress?.("line 2\n");
      return { payload: { exitCode: 0, success: true, stdout: "line 1\nline 2\n", stderr: "", timedOut: false, error: null } };
    });
    const ctx = nodeContext(runner);
    await runOnNode({ command: "./build.sh", timeoutSeconds: 5 }, ctx, undefined);
    assert.deepEqual(ctx.updates, [{ text: "line 1\n" }, { text: "line 2\n" }]);
  });

  it("a node's SYSTEM_RUN_DENIED becomes blocked, other gateway errors failed, anything else passes through", async () => {
    const denied = fakeRunner([BUILD_BOX], async () => {
      throw new GatewayError({ code: "UNAVAILABLE", message: "SYSTEM_RUN_DENIED: allowlist miss", details: { code: "SYSTEM_RUN_DENIED" } });
    });
    await assert.rejects(runOnNode({ command: "ls", timeoutSeconds: 5 }, nodeContext(denied), undefined), (e: unknown) => {
      assert.ok(toolError("blocked", /own exec policy/)(e));
      assert.match((e as Error).message, /SYSTEM_RUN_DENIED: allowlist miss/);
      assert.deepEqual((e as ToolError).details, { host: "node", nodeId: "node-build-1234" });
      return true;
    });
    const timedOut = fakeRunner([BUILD_BOX], async () => {
      throw new GatewayError({ code: "UNAVAILABLE", message: "node invoke timed out after 15000ms", details: { code: "TIMEOUT" } });
    });
    await assert.rejects(runOnNode({ command: "ls", timeoutSeconds: 5 }, nodeContext(timedOut), undefined), toolError("failed", /did not run the command: node invoke timed out/));
    const bug = new TypeError("boom");
    const broken = fakeRunner([BUILD_BOX], async () => {
      throw bug;
    });
    await assert.rejects(runOnNode({ command: "ls", timeoutSeconds: 5 }, nodeContext(broken), undefined), (e: unknown) => e === bug);
  });

  it("node.resolveProgram asks the node's system.which", async () => {
    const runner = fakeRunner([BUILD_BOX]);
    const ctx = nodeContext(runner);
    await runOnNode({ command: "git status", timeoutSeconds: 5 }, ctx, undefined);
    const resolve = ctx.gate.requests[0].node!.resolveProgram;
    runner.calls.length = 0;
    assert.equal(await resolve("git", "/"), "/usr/bin/git");
    assert.equal(runner.calls.length, 1);
    assert.equal(runner.calls[0].command, "system.which");
    assert.equal(runner.calls[0].nodeId, "node-build-1234");
    assert.deepEqual(runner.calls[0].params, { bins: ["git"] });
    assert.equal(await resolve("/opt/bin/tool", "/"), "/opt/bin/tool", "an absolute path needs no lookup");
    assert.equal(await resolve("/opt/tools/../../bin/sh", "/"), "/bin/sh", "a path is judged with its .. folded away");
    assert.equal(await resolve("./tool", "/"), null, "a relative path cannot be resolved");
    assert.equal(runner.calls.length, 1);
  });

  it("a Windows node's programs never resolve, so its commands cannot ride an allowlist", async () => {
    const runner = fakeRunner([node({ platform: "win32" })]);
    const ctx = nodeContext(runner);
    await runOnNode({ command: "git status", timeoutSeconds: 5 }, ctx, undefined);
    assert.equal(await ctx.gate.requests[0].node!.resolveProgram("git", "/"), null);
    assert.equal(await ctx.gate.requests[0].node!.resolveProgram("C:/Git/git.exe", "/"), null);
  });

  it("resolveProgram returns null when the node cannot say", async () => {
    const noWhich = fakeRunner([node({ commands: ["system.run"] })]);
    const ctx1 = nodeContext(noWhich);
    await runOnNode({ command: "git status", timeoutSeconds: 5 }, ctx1, undefined);
    assert.equal(await ctx1.gate.requests[0].node!.resolveProgram("git", "/"), null);
    assert.deepEqual(noWhich.calls.map((c) => c.command), ["system.run"]);

    const failing = fakeRunner([BUILD_BOX], async (req) => {
      if (req.command === "system.which") throw new GatewayError({ code: "UNAVAILABLE", message: "nope" });
      return { payload: { exitCode: 0 } };
    });
    const ctx2 = nodeContext(failing);
    await runOnNode({ command: "git status", timeoutSeconds: 5 }, ctx2, undefined);
    assert.equal(await ctx2.gate.requests[0].node!.resolveProgram("git", "/"), null);

    const relative = fakeRunner([BUILD_BOX], async (req) => ({ payload: req.command === "system.which" ? { bins: { git: "bin/git" } } : { exitCode: 0 } }));
    const ctx3 = nodeContext(relative);
    await runOnNode({ command: "git status", timeoutSeconds: 5 }, ctx3, undefined);
    assert.equal(await ctx3.gate.requests[0].node!.resolveProgram("git", "/"), null, "a non-absolute answer is not trusted");
  });

  it("the default node is used when the call names none", async () => {
    const laptop = node({ nodeId: "node-mac-5678", displayName: "Laptop", remoteIp: "10.0.0.8" });
    const runner = fakeRunner([BUILD_BOX, laptop]);
    await runOnNode({ command: "true", timeoutSeconds: 5 }, nodeContext(runner), "laptop");
    assert.equal(runs(runner)[0].nodeId, "node-mac-5678");
    await runOnNode({ command: "true", node: "10.0.0.7", timeoutSeconds: 5 }, nodeContext(runner), "laptop");
    assert.equal(runs(runner)[1].nodeId, "node-build-1234", "the call's node wins over the default");
  });

  it("without a node runner host=node is unavailable", async () => {
    await assert.rejects(runOnNode({ command: "true", timeoutSeconds: 5 }, nodeContext(undefined), undefined), toolError("unavailable", /without nodes/));
  });

  it("an aborted run does not start the command", async () => {
    const runner = fakeRunner([BUILD_BOX]);
    const ctx = nodeContext(runner);
    ctx.abort.abort();
    await assert.rejects(runOnNode({ command: "true", timeoutSeconds: 5 }, ctx, undefined), toolError("failed", /aborted/));
    assert.deepEqual(runs(runner), []);
  });
});

describe("exec tool with host node", () => {
  const exec = execTool({ registry: new ProcessRegistry() });

  it('host "node" runs the command on the node runner', async () => {
    const runner = fakeRunner([BUILD_BOX]);
    const ctx = nodeContext(runner);
    const result = await exec.execute({ command: "uname -a", host: "node", timeoutSeconds: 7 }, ctx);
    assert.equal(runs(runner).length, 1);
    assert.deepEqual((runs(runner)[0].params as { command: string[] }).command, ["/bin/sh", "-lc", "uname -a"]);
    assert.equal((runs(runner)[0].params as { timeoutMs: number }).timeoutMs, 7_000);
    assert.equal(result.details?.host, "node");
    assert.match(result.content, /Ran on node node-build-1234/);
    assert.equal(ctx.gate.requests[0].node?.nodeId, "node-build-1234");
  });

  it("node without host=node is refused with invalid_arguments", async () => {
    const runner = fakeRunner([BUILD_BOX]);
    const ctx = nodeContext(runner);
    await assert.rejects(exec.execute({ command: "true", node: "Build Box" }, ctx), toolError("invalid_arguments", /only with host=node/));
    await assert.rejects(exec.execute({ command: "true", host: "gateway", node: "Build Box" }, ctx), toolError("invalid_arguments"));
    assert.deepEqual(runner.calls, []);
    assert.equal(ctx.gate.requests.length, 0);
  });

  it("a sandboxed session may not ask for host node", async () => {
    const runner = fakeRunner([BUILD_BOX]);
    const ctx = nodeContext(runner, { sandboxed: true });
    await assert.rejects(exec.execute({ command: "true", host: "node" }, ctx), toolError("blocked", /sandboxed/));
    assert.deepEqual(runner.calls, []);
  });

  it("tools.exec.host node makes a call without host run on the node, on tools.exec.node", async () => {
    const laptop = node({ nodeId: "node-mac-5678", displayName: "Laptop", remoteIp: "10.0.0.8" });
    const runner = fakeRunner([BUILD_BOX, laptop]);
    const ctx = nodeContext(runner, { config: { tools: { exec: { host: "node", node: "Laptop" } } } as unknown as GatewayConfig });
    const result = await exec.execute({ command: "hostname" }, ctx);
    assert.equal(runs(runner).length, 1);
    assert.equal(runs(runner)[0].nodeId, "node-mac-5678");
    assert.equal(result.details?.nodeId, "node-mac-5678");
    const named = await exec.execute({ command: "hostname", node: "node-build-1234" }, ctx);
    assert.equal(named.details?.nodeId, "node-build-1234", "node is accepted when the configured host is node");
  });

  it("background with host node is refused", async () => {
    const runner = fakeRunner([BUILD_BOX]);
    const ctx = nodeContext(runner);
    await assert.rejects(exec.execute({ command: "sleep 1", host: "node", background: true }, ctx), toolError("invalid_arguments", /foreground/));
    assert.deepEqual(runner.calls, []);
  });
});
