import { checkSharedSecret, type AuthResult, type ResolvedAuth } from "./auth.js";
import type { GatewayConnection } from "./connection.js";
import { isLocalDirect, type RequestView } from "./ingress.js";
import { evaluateTrustedProxy } from "./trusted-proxy.js";

/**
 * A WebSocket connect in trusted-proxy mode: the upgrade request must carry the identity a
 * trusted proxy vouches for. A caller on the gateway host that bypasses the proxy may instead
 * use gateway.auth.password (never the token: the two modes exclude each other).
 */
export function trustedProxyConnect(conn: GatewayConnection, auth: ResolvedAuth, given: { token?: string; password?: string } | undefined): AuthResult {
  const view: RequestView = { remoteAddress: conn.remoteIp, headers: conn.headers, rawHeaders: conn.rawHeaders };
  const verdict = evaluateTrustedProxy(view, conn.gateway.config().config);
  if (verdict.ok) return { ok: true, method: "trusted-proxy", user: verdict.user, clientIp: verdict.clientIp };
  if (given?.password && auth.password && isLocalDirect(view)) return checkSharedSecret({ mode: "password", password: auth.password }, { password: given.password });
  return { ok: false, reason: verdict.reason };
}
