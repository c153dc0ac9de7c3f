import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { KNOWN_OPERATOR_SCOPES, Scope, scopeSatisfied } from "../protocol/scopes.js";
import { checkSharedSecret, type ResolvedAuth } from "../server/auth.js";
import type { GatewayContext } from "../server/context.js";
import { capScopes, identityScopeLimit, scopesHeader } from "../server/identity-scopes.js";
import { isLocalDirect } from "../server/ingress.js";
import { evaluateTrustedProxy } from "../server/trusted-proxy.js";
import { managedIngress, requestClientIp } from "../server/tailscale-provenance.js";
import { httpRequestView, isUnattributedLocalProxy, sendTrustedProxyRefusal } from "./http-trusted-proxy.js";
import { sendApiError, sendMissingScope } from "./openai/errors.js";

/** The scopes an operator gets when nothing narrows them (the CLI defaults). */
export const DEFAULT_OPERATOR_SCOPES: readonly string[] = [
  Scope.admin,
  Scope.read,
  Scope.write,
  Scope.approvals,
  Scope.questions,
  Scope.pairing,
  Scope.talkSecrets,
];

/** Same limiter class as the WebSocket handshake: a wrong secret on either surface counts once. */
const CREDENTIAL_CLASS = "shared-secret";

/** Who an authenticated HTTP request speaks for. */
export type HttpCaller = {
  /** Stable identity for per-caller state: `bearer:<sha256>` or `gateway-auth:<mode>`. */
  subject: string;
  scopes: ReadonlySet<string>;
  /** Owner turns may pick models and act with full authority. */
  isOwner: boolean;
};

export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  return match ? match[1].trim() : undefined;
}

/** The known operator scopes `x-openclaw-scopes` names; absent, the defaults. */
function declaredScopes(req: IncomingMessage): Set<string> {
  const declared = scopesHeader(req.headers);
  return new Set(declared ? [...declared].filter((s) => KNOWN_OPERATOR_SCOPES.has(s)) : DEFAULT_OPERATOR_SCOPES);
}

function callerWith(subject: string, scopes: Set<string>): HttpCaller {
  return { subject, scopes, isOwner: scopes.has(Scope.admin) };
}

/**
 * Who an HTTP request speaks for: the holder of the shared secret (Bearer only; loopback is no
 * exemption), or in trusted-proxy mode the user the proxy vouches for. Tailscale identity never
 * counts here. Answers 401/403/429 itself and returns null when the request may not go on.
 */
export async function authenticateHttp(req: IncomingMessage, res: ServerResponse, gateway: GatewayContext, opts: { acceptDeviceToken?: boolean } = {}): Promise<HttpCaller | null> {
  let auth: ResolvedAuth = gateway.auth();
  const config = gateway.config().config;
  // Only tailscaled proxies to the managed Tailscale listener, so its forwarded headers are attributed.
  if (auth.mode !== "trusted-proxy" && !managedIngress(req.headers) && isUnattributedLocalProxy(req, config)) {
    sendTrustedProxyRefusal(res, "proxy_attribution_required");
    return null;
  }
  if (auth.mode === "none") return callerWith("gateway-auth:none", declaredScopes(req));
  if (auth.mode === "trusted-proxy") {
    const view = httpRequestView(req);
    const verdict = evaluateTrustedProxy(view, config, { checkOrigin: true });
    if (verdict.ok) return callerWith(`trusted-proxy:${verdict.user}`, capScopes(declaredScopes(req), identityScopeLimit(config, verdict.user)));
    // Same-host callers that bypass the proxy may use the password (never the token).
    if (!auth.password || !bearerToken(req) || !isLocalDirect(view)) {
      sendTrustedProxyRefusal(res, verdict.reason);
      return null;
    }
    auth = { mode: "password", password: auth.password };
  }
  const ip = requestClientIp(req);
  const lockedMs = gateway.rateLimiter.lockedFor(ip, CREDENTIAL_CLASS);
  if (lockedMs > 0) {
    sendApiError(res, 429, "Too many failed authentication attempts. Please try again later.", "rate_limited", {
      "Retry-After": String(Math.ceil(lockedMs / 1000)),
    });
    return null;
  }
  const bearer = bearerToken(req);
  const result = checkSharedSecret(auth, bearer === undefined ? undefined : { token: bearer, password: bearer });
  if (!result.ok && bearer && opts.acceptDeviceToken && gateway.devices) {
    const found = (await gateway.devices.store()).findDeviceByToken(bearer);
    // No recordSuccess: a device token must not wipe out failed guesses at the gateway token.
    if (found && found.role === "operator") {
      return callerWith(`device:${found.device.deviceId}`, new Set(found.token.scopes));
    }
  }
  if (!result.ok) {
    if (result.reason === "token_mismatch" || result.reason === "password_mismatch") {
      const delayMs = gateway.rateLimiter.recordFailure(ip, CREDENTIAL_CLASS);
      if (delayMs > 0) await sleep(delayMs);
    }
    sendApiError(res, 401, "Unauthorized", "unauthorized");
    return null;
  }
  gateway.rateLimiter.recordSuccess(ip, CREDENTIAL_CLASS);
  const subject = `bearer:${createHash("sha256").update(bearer ?? "").digest("hex")}`;
  // A shared secret is full operator access; declared scopes only apply to identity-bearing modes.
  return callerWith(subject, new Set(DEFAULT_OPERATOR_SCOPES));
}

/** What `chat.send` needs, so every route that starts agent turns or embeds asks for it. */
export const CHAT_SEND_SCOPES: readonly string[] = [Scope.write, Scope.sessionsWrite];

/** Answers 403 (naming the first scope) and returns false when the caller has none of `scopes`. */
export function requireScope(res: ServerResponse, caller: HttpCaller, scopes: string | readonly string[]): boolean {
  const wanted = typeof scopes === "string" ? [scopes] : scopes;
  if (wanted.some((scope) => scopeSatisfied(scope, caller.scopes))) return true;
  sendMissingScope(res, wanted[0]);
  return false;
}
