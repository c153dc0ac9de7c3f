import { createHash, timingSafeEqual } from "node:crypto";
import type { GatewayConfig } from "../config/schema.js";
import type { Env } from "../config/paths.js";
import type { TrustedProxyFailureReason } from "./trusted-proxy.js";

export type AuthMode = "token" | "password" | "none" | "trusted-proxy";

export type ResolvedAuth = {
  mode: AuthMode;
  token?: string;
  password?: string;
  /** True when no token was configured and one was generated for this process only. */
  generatedToken?: boolean;
};

export type AuthOverrides = { mode?: AuthMode; token?: string; password?: string };

export function resolveServerAuth(config: GatewayConfig, overrides: AuthOverrides = {}, env: Env = process.env): ResolvedAuth {
  const auth = config.gateway?.auth ?? {};
  const token = overrides.token ?? auth.token ?? env.OPENCLAW_GATEWAY_TOKEN;
  const password = overrides.password ?? auth.password ?? env.OPENCLAW_GATEWAY_PASSWORD;
  const mode: AuthMode = overrides.mode ?? auth.mode ?? (password ? "password" : "token");
  return {
    mode,
    ...(token ? { token } : {}),
    ...(password ? { password } : {}),
  };
}

export function hasSharedSecret(auth: ResolvedAuth): boolean {
  return (auth.mode === "token" && !!auth.token) || (auth.mode === "password" && !!auth.password);
}

/** Compares secrets in time independent of where they differ or how long they are. */
export function secretsEqual(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

export type AuthFailureReason =
  | "token_missing"
  | "token_mismatch"
  | "token_missing_config"
  | "password_missing"
  | "password_mismatch"
  | "password_missing_config"
  | "rate_limited"
  | "device_token_mismatch"
  | "scope_mismatch"
  | "unsupported_mode"
  | TrustedProxyFailureReason;

type MissingHeaderReason = `trusted_proxy_missing_header_${string}`;
const MISSING_HEADER_PREFIX = "trusted_proxy_missing_header_";

export type AuthMethod = "none" | "token" | "password" | "trusted-proxy" | "tailscale";

/**
 * `user` is set for identity-bearing methods (trusted-proxy, tailscale): who the ingress says this is.
 * `clientIp` is where a relaying proxy says the client is (the socket only shows the proxy).
 */
export type AuthResult = { ok: true; method: AuthMethod; user?: string; clientIp?: string } | { ok: false; reason: AuthFailureReason };

export function checkSharedSecret(auth: ResolvedAuth, given: { token?: string; password?: string } | undefined): AuthResult {
  switch (auth.mode) {
    case "none":
      return { ok: true, method: "none" };
    case "token":
      if (!auth.token) return { ok: false, reason: "token_missing_config" };
      if (!given?.token) return { ok: false, reason: "token_missing" };
      return secretsEqual(given.token, auth.token) ? { ok: true, method: "token" } : { ok: false, reason: "token_mismatch" };
    case "password":
      if (!auth.password) return { ok: false, reason: "password_missing_config" };
      if (!given?.password) return { ok: false, reason: "password_missing" };
      return secretsEqual(given.password, auth.password) ? { ok: true, method: "password" } : { ok: false, reason: "password_mismatch" };
    default:
      return { ok: false, reason: "unsupported_mode" };
  }
}

type Failure = { code: string; text: string; next?: string };

const FAILURES: Record<Exclude<AuthFailureReason, MissingHeaderReason>, Failure> = {
  token_missing: { code: "AUTH_TOKEN_MISSING", text: "gateway token missing (set gateway.remote.token or pass --token)", next: "update_auth_configuration" },
  token_mismatch: { code: "AUTH_TOKEN_MISMATCH", text: "gateway token mismatch (set gateway.remote.token to match gateway.auth.token)", next: "update_auth_credentials" },
  token_missing_config: { code: "AUTH_TOKEN_NOT_CONFIGURED", text: "gateway token not configured on gateway (set gateway.auth.token)", next: "update_auth_configuration" },
  password_missing: { code: "AUTH_PASSWORD_MISSING", text: "gateway password missing (set gateway.remote.password or pass --password)", next: "update_auth_configuration" },
  password_mismatch: { code: "AUTH_PASSWORD_MISMATCH", text: "gateway password mismatch (set gateway.remote.password to match gateway.auth.password)", next: "update_auth_credentials" },
  password_missing_config: { code: "AUTH_PASSWORD_NOT_CONFIGURED", text: "gateway password not configured on gateway (set gateway.auth.password)", next: "update_auth_configuration" },
  rate_limited: { code: "AUTH_RATE_LIMITED", text: "too many failed authentication attempts (retry later)", next: "wait_then_retry" },
  device_token_mismatch: { code: "AUTH_DEVICE_TOKEN_MISMATCH", text: "device token mismatch (rotate/reissue device token)", next: "update_auth_credentials" },
  scope_mismatch: { code: "AUTH_SCOPE_MISMATCH", text: "device token scope mismatch (re-pair or approve scope upgrade)", next: "review_auth_configuration" },
  unsupported_mode: { code: "AUTH_UNAUTHORIZED", text: "this gateway does not support the configured auth mode" },
  trusted_proxy_config_missing: { code: "AUTH_UNAUTHORIZED", text: "trusted proxy auth is not configured on gateway (set gateway.auth.trustedProxy.userHeader)" },
  trusted_proxy_no_proxies_configured: { code: "AUTH_UNAUTHORIZED", text: "trusted proxy auth has no proxies configured on gateway (set gateway.trustedProxies)" },
  proxy_attribution_required: { code: "AUTH_UNAUTHORIZED", text: "proxy client attribution is required (configure gateway.trustedProxies narrowly and make the proxy overwrite or safely rebuild forwarded client headers)" },
  trusted_proxy_untrusted_source: { code: "AUTH_UNAUTHORIZED", text: "trusted proxy auth failed: the request did not come from an address in gateway.trustedProxies (connect through the proxy)" },
  trusted_proxy_loopback_source: { code: "AUTH_UNAUTHORIZED", text: "trusted proxy auth failed: loopback source (set gateway.auth.trustedProxy.allowLoopback for a same-host proxy; local clients use gateway.auth.password)" },
  trusted_proxy_local_interface_source: { code: "AUTH_UNAUTHORIZED", text: "trusted proxy auth failed: the source is one of the gateway host's own addresses (route the proxy through an address the gateway host does not own)" },
  trusted_proxy_local_interface_check_failed: { code: "AUTH_UNAUTHORIZED", text: "trusted proxy auth failed: the gateway could not read its network interfaces" },
  trusted_proxy_user_missing: { code: "AUTH_UNAUTHORIZED", text: "trusted proxy auth failed: user header missing (sign in at the proxy; check gateway.auth.trustedProxy.userHeader)" },
  trusted_proxy_user_not_allowed: { code: "AUTH_UNAUTHORIZED", text: "trusted proxy auth failed: user not in gateway.auth.trustedProxy.allowUsers" },
  trusted_proxy_origin_not_allowed: { code: "AUTH_UNAUTHORIZED", text: "trusted proxy auth failed: browser origin not allowed (add it to gateway.controlUi.allowedOrigins)" },
};

function failureFor(reason: AuthFailureReason): Failure {
  if (!reason.startsWith(MISSING_HEADER_PREFIX)) return FAILURES[reason as Exclude<AuthFailureReason, MissingHeaderReason>];
  const header = reason.slice(MISSING_HEADER_PREFIX.length);
  return { code: "AUTH_IDENTITY_HEADER_REQUIRED", text: `trusted proxy auth failed: required header ${header} missing (make the proxy send it, on WebSocket upgrades too)`, next: "review_auth_configuration" };
}

export function authFailureError(reason: AuthFailureReason, retryAfterMs?: number) {
  const failure = failureFor(reason);
  const details: Record<string, unknown> = { code: failure.code, authReason: reason };
  if (reason === "token_mismatch") details.canRetryWithDeviceToken = false;
  if (failure.next) details.recommendedNextStep = failure.next;
  return {
    code: "INVALID_REQUEST",
    message: `unauthorized: ${failure.text}`,
    ...(retryAfterMs !== undefined ? { retryable: true, retryAfterMs } : {}),
    details,
  };
}

/** Identifies the active shared secret without keeping it; connections remember which one they used. */
export function secretFingerprint(auth: ResolvedAuth): string {
  const secret = auth.mode === "token" ? auth.token : auth.mode === "password" ? auth.password : undefined;
  return secret ? createHash("sha256").update(secret).digest("hex").slice(0, 16) : "";
}
