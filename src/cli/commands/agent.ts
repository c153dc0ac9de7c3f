import { randomUUID } from "node:crypto";
import { CliError, printJson } from "../exit.js";
import { resolveTarget, withClient, type ClientFlags } from "../connection.js";

type AgentFlags = Omit<ClientFlags, "timeout"> & { message?: string; agent?: string; sessionKey?: string; model?: string; timeout?: string };

type AgentFinal = { status: string; summary?: string; result?: { payloads?: Array<{ text?: string }> } };

/**
 * `openclaw agent --message …`: one agent turn through the gateway. The reply streams to stdout
 * as it arrives; `--json` prints the final result instead.
 */
export async function agentCommand(flags: AgentFlags): Promise<void> {
  const message = flags.message?.trim();
  if (!message) throw new CliError("--message is required (the text to send to the agent)");
  const timeoutSeconds = Number(flags.timeout ?? 600);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) throw new CliError(`Invalid --timeout "${flags.timeout}" (seconds).`);
  const target = resolveTarget({ ...flags, timeout: String(Math.min(timeoutSeconds * 1000, 30_000)) });
  const runId = randomUUID();
  let streamed = "";
  const final = await withClient(target, { scopes: ["operator.read", "operator.write"] }, (client) => {
    if (!flags.json) {
      client.onEvent((event) => {
        const payload = event.payload as { runId?: string; stream?: string; data?: { delta?: string } } | undefined;
        if (event.event !== "agent" || payload?.runId !== runId || payload.stream !== "assistant" || !payload.data?.delta) return;
        streamed += payload.data.delta;
        process.stdout.write(payload.data.delta);
      });
    }
    return client.request<AgentFinal>(
      "agent",
      {
        message,
        idempotencyKey: runId,
        timeout: timeoutSeconds,
        ...(flags.agent ? { agentId: flags.agent } : {}),
        ...(flags.sessionKey ? { sessionKey: flags.sessionKey } : {}),
        ...(flags.model ? { model: flags.model } : {}),
      },
      (timeoutSeconds + 30) * 1000,
      { expectFinal: true },
    );
  });
  if (flags.json) {
    printJson(final);
    return;
  }
  const text = (final.result?.payloads ?? []).map((p) => p.text ?? "").join("\n");
  if (!streamed) process.stdout.write(text);
  else if (text.startsWith(streamed) && text.length > streamed.length) process.stdout.write(text.slice(streamed.length));
  process.stdout.write("\n");
  if (final.status !== "ok") throw new CliError(`agent run ${final.summary ?? final.status}`);
}
