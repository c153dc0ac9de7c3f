/** Words the shell passes through unchanged: no quotes, globs, variables, redirections or separators. */
const PLAIN_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** The argv of a command the shell would not transform, for the approval layer; null when the shell matters. */
export function simpleArgv(command: string): string[] | null {
  const words = command.trim().split(/[ \t]+/);
  if (words.length === 0 || words[0] === "") return null;
  // A leading `VAR=value` is an assignment, not the program.
  if (words[0].includes("=")) return null;
  return words.every((w) => PLAIN_WORD.test(w)) ? words : null;
}
