/** A shell command split into the simple commands it chains, or why it cannot be split safely. */
export type ShellSplit = { ok: true; segments: string[][] } | { ok: false; reason: string };

const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

/**
 * Splits `a && b | c; d` into argv lists, the way sh would tokenize it, for allowlist matching.
 * Only plain commands joined by `;`, `&&`, `||`, `|`, `&` or newlines are understood; anything
 * whose effect cannot be judged from the words alone (substitution, redirection, subshells,
 * env assignments, comments, a command name built from variables) makes the whole command
 * unsplittable, which allowlist mode treats as a miss.
 */
export function splitShellCommand(text: string, home?: string): ShellSplit {
  const segments: string[][] = [];
  let words: string[] = [];
  let word = "";
  let inWord = false;
  let wordExpands = false;
  let commandExpands = false;
  let danglingOperator = false;
  const fail = (reason: string): ShellSplit => ({ ok: false, reason });

  const endWord = () => {
    if (!inWord) return;
    if (words.length === 0) commandExpands = wordExpands;
    words.push(word);
    word = "";
    inWord = false;
    wordExpands = false;
  };
  const endSegment = (operator: boolean): string | null => {
    endWord();
    if (words.length === 0) return "an operator without a command";
    if (ASSIGNMENT.test(words[0]!)) return "an environment assignment before the command";
    if (commandExpands) return "a command name that depends on variables";
    segments.push(words);
    words = [];
    danglingOperator = operator;
    return null;
  };

  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    const next = text[i + 1];
    if (ch === " " || ch === "\t") {
      endWord();
    } else if (ch === "\n" || ch === ";") {
      if (ch === "\n" && words.length === 0 && !inWord) continue;
      const problem = endSegment(false);
      if (problem) return fail(problem);
    } else if (ch === "'") {
      const close = text.indexOf("'", i + 1);
      if (close < 0) return fail("an unterminated quote");
      word += text.slice(i + 1, close);
      inWord = true;
      i = close;
    } else if (ch === '"') {
      inWord = true;
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        const c = text[j]!;
        if (c === "\\" && j + 1 < text.length && '$`"\\\n'.includes(text[j + 1]!)) {
          if (text[j + 1] !== "\n") word += text[j + 1];
          j++;
        } else if (c === "`" || (c === "$" && text[j + 1] === "(")) {
          return fail("command substitution");
        } else {
          if (c === "$") wordExpands = true;
          word += c;
        }
      }
      if (j >= text.length) return fail("an unterminated quote");
      i = j;
    } else if (ch === "\\") {
      if (next === undefined) return fail("a trailing backslash");
      if (next !== "\n") {
        word += next;
        inWord = true;
      }
      i++;
    } else if (ch === "`" || (ch === "$" && next === "(")) {
      return fail("command substitution");
    } else if (ch === "<" || ch === ">") {
      return fail("a redirection");
    } else if (ch === "(" || ch === ")") {
      return fail("a subshell or grouping");
    } else if (ch === "&" || ch === "|") {
      if (next === ">" || (ch === "|" && next === "&")) return fail("a redirection");
      if (next === ch) i++;
      const problem = endSegment(ch === "|" || next === ch);
      if (problem) return fail(problem);
    } else if (ch === "#" && !inWord) {
      return fail("a comment");
    } else if (ch === "~" && !inWord && home !== undefined && (next === undefined || next === "/" || " \t\n;&|".includes(next))) {
      word += home;
      inWord = true;
    } else {
      if (ch === "$") wordExpands = true;
      word += ch;
      inWord = true;
    }
  }
  endWord();
  if (words.length > 0) {
    const problem = endSegment(false);
    if (problem) return fail(problem);
  } else if (danglingOperator) {
    return fail("an operator without a command");
  }
  if (segments.length === 0) return fail("an empty command");
  return { ok: true, segments };
}

/** Joins argv for display so that splitting the text gives the same words back. */
export function joinShellWords(argv: readonly string[]): string {
  return argv.map((word) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`)).join(" ");
}
