import { LAUNCHD_EXIT_TIMEOUT_SEC } from "./budget.js";
import type { ServiceDefinition } from "./definition.js";

/** XML-escapes text for a plist `<string>`/`<key>`; control characters XML cannot carry are refused. */
export function escapeXml(value: string): string {
  if (/[\0-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]/.test(value)) {
    throw new Error(`Value contains a control character that a property list cannot hold: ${JSON.stringify(value)}`);
  }
  return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}

const str = (value: string) => `<string>${escapeXml(value)}</string>`;
const key = (name: string) => `<key>${escapeXml(name)}</key>`;

/**
 * Renders the LaunchAgent of spec operations §5.3. Everything in it is public: the gateway reads
 * its token from its config, so no secret is embedded.
 */
export function renderLaunchAgentPlist(def: ServiceDefinition, logPath: string): string {
  const label = def.identity.launchdLabel;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    "<dict>",
    `  ${key("Label")}${str(label)}`,
    `  ${key("Comment")}${str(def.description)}`,
    `  ${key("RunAtLoad")}<true/>`,
    `  ${key("KeepAlive")}<true/>`,
    `  ${key("ExitTimeOut")}<integer>${LAUNCHD_EXIT_TIMEOUT_SEC}</integer>`,
    `  ${key("ProcessType")}${str("Interactive")}`,
    `  ${key("ThrottleInterval")}<integer>10</integer>`,
    `  ${key("Umask")}<integer>${0o077}</integer>`,
    `  ${key("StandardInPath")}${str("/dev/null")}`,
    `  ${key("ProgramArguments")}`,
    "  <array>",
    ...def.programArguments.map((arg) => `    ${str(arg)}`),
    "  </array>",
    `  ${key("WorkingDirectory")}${str(def.workingDirectory)}`,
    `  ${key("StandardOutPath")}${str(logPath)}`,
    `  ${key("StandardErrorPath")}${str(logPath)}`,
    `  ${key("EnvironmentVariables")}`,
    "  <dict>",
    ...def.environment.map(([k, v]) => `    ${key(k)}${str(v)}`),
    "  </dict>",
    "</dict>",
    "</plist>",
    "",
  ];
  return lines.join("\n");
}
