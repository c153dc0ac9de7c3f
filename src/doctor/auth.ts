import { resolveBindHost, type BindMode } from "../config/bind.js";
import { generateGatewayToken } from "../config/first-run.js";
import type { Env } from "../config/paths.js";
import { isLoopback } from "../infra/loopback.js";
import { resolveServerAuth } from "../server/auth.js";
import type { ServiceTarget } from "../service/target.js";
import { rewriteConfig } from "./rewrite-config.js";
import { isPlaceholderToken, MIN_TOKEN_LENGTH } from "./token-strength.js";
import type { Check } from "./types.js";

/** Gateway auth: ambiguous mode, missing/placeholder/weak token, missing password, no auth beyond loopback. */
export function checkAuth(target: ServiceTarget, env: Env): Check[] {
  const { config } = target;
  if (!config.exists || !config.valid || config.config.gateway?.mode === "remote") return [];
  const checks: Check[] = [];
  const gateway = config.config.gateway ?? {};
  const auth = resolveServerAuth(config.config, {}, env);
  const bindMode: BindMode = gateway.bind ?? "loopback";
  const exposed = !isLoopback(resolveBindHost(bindMode, config.config));
  const path = config.path;
  const writeToken = async () => {
    const note = await rewriteConfig(path, [["gateway.auth.token", generateGatewayToken()]]);
    return (
      `Generated a new gateway token and wrote it to gateway.auth.token in ${path}${note}. ` +
      "Clients that used the old token need the new one (show it with: openclaw gateway auth-token --show); restart a running gateway to apply it (openclaw gateway restart)."
    );
  };
  if (gateway.auth?.token && gateway.auth?.password && !gateway.auth?.mode) {
    checks.push({
      id: "auth.mode.ambiguous", severity: "error", fixable: false,
      message: "gateway.auth.token and gateway.auth.password are both set but gateway.auth.mode is not; start-up and service install fail.",
      fix: `Set gateway.auth.mode to "token" or "password" in ${path}.`,
    });
  }
  if (auth.mode === "token") {
    // A `${VAR}` reference in the file is the user's indirection: never overwrite it with a literal.
    const rawToken = (config.parsed as { gateway?: { auth?: { token?: unknown } } })?.gateway?.auth?.token;
    const envRef = typeof rawToken === "string" && /\$\{[A-Z_][A-Z0-9_]*\}/.test(rawToken);
    const fromConfig = Boolean(gateway.auth?.token) && !envRef;
    const fixEnv = `Set ${envRef ? `the variable behind gateway.auth.token (${String(rawToken)})` : "OPENCLAW_GATEWAY_TOKEN"} to a long random value (for example: openssl rand -base64 32).`;
    if (!auth.token) {
      checks.push({
        id: "auth.token.missing", severity: exposed ? "error" : "warning", fixable: true, key: "auth.token",
        message:
          `Gateway auth mode is token but no token is configured (gateway.auth.token or OPENCLAW_GATEWAY_TOKEN)` +
          (exposed ? `, and bind=${bindMode} is not loopback: the gateway refuses to start.` : ": each start generates a different runtime-only token, so clients cannot authenticate."),
        fix: "openclaw doctor --fix generates a strong token and writes it to gateway.auth.token.",
        apply: writeToken,
      });
    } else if (isPlaceholderToken(auth.token)) {
      checks.push({
        id: "auth.token.placeholder", severity: "error", fixable: fromConfig, key: "auth.token",
        message: `The gateway token (${fromConfig || envRef ? "gateway.auth.token" : "OPENCLAW_GATEWAY_TOKEN"}) is a well-known placeholder value; anyone can guess it.`,
        fix: fromConfig ? "openclaw doctor --fix replaces it with a strong generated token." : fixEnv,
        ...(fromConfig ? { apply: writeToken } : {}),
      });
    } else if (auth.token.length < MIN_TOKEN_LENGTH) {
      checks.push({
        id: "auth.token.weak", severity: exposed ? "error" : "warning", fixable: fromConfig, key: "auth.token",
        message: `The gateway token (${fromConfig || envRef ? "gateway.auth.token" : "OPENCLAW_GATEWAY_TOKEN"}) is only ${auth.token.length} characters; use at least ${MIN_TOKEN_LENGTH} random characters${exposed ? ` (bind=${bindMode} exposes the gateway beyond loopback)` : ""}.`,
        fix: fromConfig ? "openclaw doctor --fix replaces it with a strong generated token." : fixEnv,
        ...(fromConfig ? { apply: writeToken } : {}),
      });
    }
  } else if (auth.mode === "password" && !auth.password) {
    checks.push({
      id: "auth.password.missing", severity: "error", fixable: false,
      message: "Gateway auth is set to password, but no password is configured; the gateway refuses to start (exit 78).",
      fix: `Set gateway.auth.password in ${path} or OPENCLAW_GATEWAY_PASSWORD.`,
    });
  } else if (auth.mode === "none" && exposed) {
    checks.push({
      id: "auth.none.exposed", severity: "error", fixable: false,
      message: `Gateway auth mode is none with bind=${bindMode}; the gateway refuses to bind beyond loopback without auth.`,
      fix: `Use bind "loopback", or set gateway.auth.mode to "token" with a token in ${path}.`,
    });
  }
  return checks;
}
