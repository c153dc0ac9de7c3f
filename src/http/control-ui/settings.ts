import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isPlainObject } from "../../config/objects.js";
import type { GatewayConfig } from "../../config/schema.js";

export type ControlUiSettings = {
  enabled: boolean;
  /** "" for the root, else "/something" without a trailing slash. */
  basePath: string;
  /** The folder holding index.html and assets/. */
  root: string;
};

let packagedRoot: string | null = null;

/** `dist/control-ui` of this package: found by walking up from this module to package.json. */
export function packagedControlUiRoot(): string {
  if (packagedRoot) return packagedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json")) && dirname(dir) !== dir) dir = dirname(dir);
  return (packagedRoot = join(dir, "dist", "control-ui"));
}

/** `/openclaw/` → `/openclaw`; `/`, "" and nonsense → "". */
export function normalizeBasePath(value: unknown): string {
  if (typeof value !== "string") return "";
  const trimmed = value.trim().replace(/\/+$/, "");
  if (trimmed === "") return "";
  const withSlash = trimmed.startsWith("/") ? trimmed : `/${trimmed}`;
  return /^\/[A-Za-z0-9._~\-/]*$/.test(withSlash) && !withSlash.includes("//") && !withSlash.split("/").includes("..") ? withSlash : "";
}

/** `gateway.controlUi.{enabled,basePath,root}`: on by default, served from the root of the port. */
export function controlUiSettings(config: GatewayConfig): ControlUiSettings {
  const section = (config.gateway as { controlUi?: unknown } | undefined)?.controlUi;
  const ui = isPlainObject(section) ? (section as Record<string, unknown>) : {};
  return {
    enabled: ui.enabled !== false,
    basePath: normalizeBasePath(ui.basePath),
    root: typeof ui.root === "string" && ui.root.trim() !== "" ? resolve(ui.root.trim()) : packagedControlUiRoot(),
  };
}
