import { randomBytes } from "node:crypto";
import { writeFileAtomicSync } from "../infra/files.js";

export function generateGatewayToken(): string {
  return randomBytes(32).toString("base64url");
}

/**
 * Writes the minimal config a first run needs: local mode and token auth. The token is generated
 * unless one is supplied from outside the file (flag or environment), which then stays the source.
 */
export function writeFirstRunConfig(path: string, opts: { externalToken: boolean }): void {
  const token = opts.externalToken ? undefined : generateGatewayToken();
  const config = { gateway: { mode: "local", auth: token ? { mode: "token", token } : { mode: "token" } } };
  writeFileAtomicSync(path, JSON.stringify(config, null, 2) + "\n", 0o600);
}
