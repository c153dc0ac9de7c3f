import { CliError, printJson } from "../exit.js";
import { resolveTarget, withClient, type ClientFlags } from "../connection.js";

/** `openclaw gateway call <method> --params <json>`: one raw RPC, result printed as JSON. */
export async function callCommand(method: string, flags: ClientFlags & { params?: string; scopes?: string }): Promise<void> {
  let params: unknown;
  try {
    params = JSON.parse(flags.params ?? "{}");
  } catch (err) {
    throw new CliError(`--params must be JSON: ${(err as Error).message}`);
  }
  if (!params || typeof params !== "object" || Array.isArray(params)) throw new CliError("--params must be a JSON object");
  const scopes = flags.scopes ? flags.scopes.split(",").map((s) => s.trim()).filter(Boolean) : ["operator.admin"];
  const target = resolveTarget(flags);
  // Two-stage methods (`agent`) answer "accepted" first; the call prints what they end with.
  const result = await withClient(target, { scopes }, (client) => client.request(method, params, target.timeoutMs, { expectFinal: true }));
  printJson(result);
}
