import { checkSharedSecret, type AuthResult, type ResolvedAuth } from "./auth.js";
import type { GatewayConnection } from "./connection.js";
import { trustedProxyConnect } from "./trusted-proxy-connect.js";
import { verifiedTailscaleLogin } from "./tailscale-identity.js";

/**
 * How a WebSocket connect proves who it is: the shared secret, or an identity the ingress vouches
 * for (a trusted reverse proxy's user header, a verified Tailscale login). A connect that offers a
 * secret is judged by it alone: were a wrong one rescued by the Tailscale login, the hello's
 * auth method would tell a right guess from a wrong one, with no failure counted.
 */
export async function checkConnectAuth(conn: GatewayConnection, auth: ResolvedAuth, given: { token?: string; password?: string } | undefined): Promise<AuthResult> {
  if (auth.mode === "trusted-proxy") return trustedProxyConnect(conn, auth, given);
  const shared = checkSharedSecret(auth, given);
  if (shared.ok || given?.token || given?.password) return shared;
  const login = await verifiedTailscaleLogin(conn.headers, conn.gateway.config().config, auth);
  return login ? { ok: true, method: "tailscale", user: login } : shared;
}
