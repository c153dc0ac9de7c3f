import type { GatewayConfig } from "../config/schema.js";

export type Credentials = { token?: string; password?: string };

/**
 * Which implicit credentials a target may use: "local"/"remote" follow the config precedence of
 * that mode, "env" only OPENCLAW_GATEWAY_TOKEN/PASSWORD (for OPENCLAW_GATEWAY_URL), "none" nothing
 * (an explicit --url: config secrets must not leak to an arbitrary address).
 */
export type CredentialSource = "local" | "remote" | "env" | "none";

const value = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const first = (...candidates: unknown[]): string | undefined => candidates.map(value).find((v) => v !== undefined);

/** The credential precedence of operations spec §9.2; explicit flags always win. */
export function resolveCredentials(
  source: CredentialSource,
  gateway: GatewayConfig["gateway"],
  explicit: Credentials,
  env: NodeJS.ProcessEnv = process.env,
): Credentials {
  const flagToken = value(explicit.token);
  const flagPassword = value(explicit.password);
  if (flagToken !== undefined || flagPassword !== undefined) return { token: flagToken, password: flagPassword };
  const auth = gateway?.auth;
  const remote = gateway?.remote;
  const envToken = env.OPENCLAW_GATEWAY_TOKEN;
  const envPassword = env.OPENCLAW_GATEWAY_PASSWORD;
  switch (source) {
    case "none":
      return {};
    case "env":
      return { token: value(envToken), password: value(envPassword) };
    case "local":
      return { token: first(auth?.token, envToken, remote?.token), password: first(auth?.password, envPassword, remote?.password) };
    case "remote":
      return { token: first(remote?.token, envToken, auth?.token), password: first(envPassword, remote?.password, auth?.password) };
  }
}
