import { GatewayClient } from "./gateway/client";

const TOKEN_KEY = "openclaw.control.token.v1";

/** The base path the gateway serves the UI under ("" at the root), announced on <html>. */
export const basePath = document.documentElement.dataset.openclawControlUiBasePath ?? "";

/**
 * The gateway token: taken once from the URL fragment (`#token=…`, then removed from the address
 * bar so it is not bookmarked or shared), else what this tab saved.
 */
export function initialToken(): string {
  const hash = new URLSearchParams(location.hash.replace(/^#/, ""));
  const fromHash = hash.get("token");
  if (fromHash) {
    sessionStorage.setItem(TOKEN_KEY, fromHash);
    hash.delete("token");
    const rest = hash.toString();
    history.replaceState(history.state, "", location.pathname + location.search + (rest ? `#${rest}` : ""));
    return fromHash;
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? "";
}

export function saveToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function gatewayUrl(): string {
  return `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}${basePath}`;
}

export const gateway = new GatewayClient(gatewayUrl(), "");
