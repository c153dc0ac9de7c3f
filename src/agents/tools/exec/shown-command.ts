import { joinShellWords } from "../approvals/shell-segments.js";

/** The command as the owner is asked about it: the call's env overrides first (`FOO=bar cmd`), so they are approved knowingly. */
export function shownCommand(command: string, overrides: Record<string, string>): string {
  const assignments = Object.entries(overrides).map(([name, value]) => `${name}=${joinShellWords([value])}`);
  return [...assignments, command].join(" ");
}
