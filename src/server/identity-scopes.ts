import type { IncomingHttpHeaders } from "node:http";
import type { GatewayConfig } from "../config/schema.js";
import { KNOWN_OPERATOR_SCOPES, scopeSatisfied } from "../protocol/scopes.js";

/**
 * gateway.auth.identityScopes for a user an ingress verified (trusted proxy, Tailscale): the
 * most that user's connections may hold. Email keys match case-insensitively, other keys
 * exactly. A user without an entry is limited to the known operator scopes only.
 */
export function identityScopeLimit(config: GatewayConfig, user: string): ReadonlySet<string> {
  const grants = config.gateway?.auth?.identityScopes ?? {};
  const key = Object.hasOwn(grants, user) ? user : user.includes("@") ? Object.keys(grants).find((k) => k.toLowerCase() === user.toLowerCase()) : undefined;
  return key === undefined ? KNOWN_OPERATOR_SCOPES : new Set(grants[key]);
}

/** `x-openclaw-scopes: a,b` as a set (present but empty: no scopes); null when the header is absent. */
export function scopesHeader(headers: IncomingHttpHeaders): ReadonlySet<string> | null {
  const header = headers["x-openclaw-scopes"];
  if (header === undefined) return null;
  const raw = Array.isArray(header) ? header.join(",") : header;
  return new Set(raw.split(",").map((s) => s.trim()).filter(Boolean));
}

/** The requested scopes that every limit given covers (operator.admin covers all, write covers read). */
export function capScopes(requested: Iterable<string>, ...limits: Array<ReadonlySet<string> | null>): Set<string> {
  return new Set([...requested].filter((scope) => limits.every((limit) => !limit || scopeSatisfied(scope, limit))));
}
