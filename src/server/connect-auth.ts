import { checkSharedSecret, type AuthResult, type ResolvedAuth } from "./auth.js";
import type { GatewayConnection } from "./connection.js";

/**
 * How a WebSocket connect proves who it is: the shared secret, or an identity the ingress vouches
 * for (a trusted reverse proxy's user header, a verified Tailscale login).
 */
export async function checkConnectAuth(_conn: GatewayConnection, auth: ResolvedAuth, given: { token?: string; password?: string } | undefined): Promise<AuthResult> {
  return checkSharedSecret(auth, given);
}
