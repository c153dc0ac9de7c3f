import { spawn } from "node:child_process";
import { normalizeBasePath } from "../../http/control-ui/settings.js";
import { printJson } from "../exit.js";
import { resolveTarget, type ClientFlags } from "../connection.js";

type DashboardFlags = Pick<ClientFlags, "port" | "token"> & { open?: boolean; json?: boolean };

/** The Control UI's address on the local gateway, with the token in the fragment (never sent to a server, removed by the page). */
export function dashboardUrl(flags: DashboardFlags): { url: string; hasToken: boolean } {
  const target = resolveTarget({ port: flags.port, token: flags.token });
  const http = target.url.replace(/^ws/, "http");
  const base = normalizeBasePath((target.config.config.gateway as { controlUi?: { basePath?: unknown } } | undefined)?.controlUi?.basePath);
  const fragment = target.token ? `#token=${encodeURIComponent(target.token)}` : "";
  return { url: `${http}${base}/${fragment}`, hasToken: Boolean(target.token) };
}

function openInBrowser(url: string): boolean {
  const opener = process.platform === "darwin" ? "open" : process.platform === "win32" ? "explorer" : "xdg-open";
  try {
    const child = spawn(opener, [url], { detached: true, stdio: "ignore" });
    child.on("error", () => process.stderr.write(`Could not start ${opener}; open the address above yourself.\n`));
    child.unref();
    return true;
  } catch {
    return false;
  }
}

/** `openclaw dashboard [--open] [--json]`. */
export function dashboardCommand(flags: DashboardFlags): void {
  const { url, hasToken } = dashboardUrl(flags);
  if (flags.json) return printJson({ url, tokenIncluded: hasToken });
  process.stdout.write(`${url}\n`);
  if (!hasToken) process.stdout.write("No gateway token is configured; the page will ask for one (gateway.auth.token).\n");
  if (flags.open) openInBrowser(url);
}
