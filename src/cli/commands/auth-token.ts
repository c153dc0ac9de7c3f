import { resolveConfigPath } from "../../config/paths.js";
import { readConfigSnapshot } from "../../config/snapshot.js";
import { CliError } from "../exit.js";

/** `openclaw gateway auth-token --show`: prints the token only to an interactive terminal. */
export function authTokenCommand(flags: { show?: boolean }): void {
  if (!flags.show) throw new CliError("Pass --show to print the gateway token (it is a secret).");
  if (!process.stdout.isTTY) throw new CliError("Refusing to print the gateway token to a pipe or file; run this in a terminal.");
  const config = readConfigSnapshot(resolveConfigPath());
  const token = config.config.gateway?.auth?.token ?? process.env.OPENCLAW_GATEWAY_TOKEN;
  if (!token) throw new CliError(`No gateway token is configured (gateway.auth.token in ${config.path} or OPENCLAW_GATEWAY_TOKEN).`);
  process.stdout.write(token + "\n");
}
