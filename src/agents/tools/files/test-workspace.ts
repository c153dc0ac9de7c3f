import { mkdirSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { GatewayConfig } from "../../../config/schema.js";
import type { MessageSender, SessionTools, ToolContext } from "../types.js";

/** A throwaway workspace with a sibling folder outside it, and a tool context confined to the workspace. */
export type TestWorkspace = { workspace: string; outside: string; ctx: ToolContext; remove(): void };

export function testWorkspace(): TestWorkspace {
  const root = realpathSync(mkdtempSync(join(tmpdir(), "file-tools-")));
  const workspace = join(root, "workspace");
  const outside = join(root, "outside");
  mkdirSync(workspace);
  mkdirSync(outside);
  const ctx: ToolContext = {
    agentId: "main",
    sessionKey: "agent:main:main",
    workspace,
    toolCallId: "call-1",
    surface: "agent",
    signal: new AbortController().signal,
    sandboxed: false,
    config: {} as GatewayConfig,
    env: {},
    host: {
      stateDir: join(root, "state"),
      commands: { authorize: async () => ({ allowed: false, via: "denied", message: "file tool tests run no commands" }) },
      sessions: {} as SessionTools,
      messages: {} as MessageSender,
    },
    update: () => {},
  };
  return { workspace, outside, ctx, remove: () => rmSync(root, { recursive: true, force: true }) };
}
