import { test } from "node:test";
import assert from "node:assert/strict";
import { joinShellWords, splitShellCommand } from "./shell-segments.js";

const segments = (text: string) => {
  const split = splitShellCommand(text, "/home/u");
  assert.ok(split.ok, `expected "${text}" to split: ${split.ok ? "" : split.reason}`);
  return split.segments;
};
const reason = (text: string) => {
  const split = splitShellCommand(text, "/home/u");
  assert.ok(!split.ok, `expected "${text}" not to split`);
  return split.reason;
};

test("plain commands and chains split into argv lists", () => {
  assert.deepEqual(segments("git status"), [["git", "status"]]);
  assert.deepEqual(segments("echo ok && pwd"), [["echo", "ok"], ["pwd"]]);
  assert.deepEqual(segments("a; b || c | d & e"), [["a"], ["b"], ["c"], ["d"], ["e"]]);
  assert.deepEqual(segments("ls\nwc -l\n"), [["ls"], ["wc", "-l"]]);
  assert.deepEqual(segments("sleep 1 &"), [["sleep", "1"]]);
});

test("quotes and escapes give the words sh would see", () => {
  assert.deepEqual(segments(`grep -e 'a b' "c \\"d\\"" e\\ f ''`), [["grep", "-e", "a b", 'c "d"', "e f", ""]]);
  assert.deepEqual(segments("echo 'x && y'"), [["echo", "x && y"]]);
  assert.deepEqual(segments("echo '$(not run)'"), [["echo", "$(not run)"]]);
  assert.deepEqual(segments("~/bin/tool ~ a~b"), [["/home/u/bin/tool", "/home/u", "a~b"]]);
});

test("what cannot be judged from the words alone is refused", () => {
  assert.match(reason("echo $(whoami)"), /command substitution/);
  assert.match(reason('echo "$(whoami)"'), /command substitution/);
  assert.match(reason("echo `id`"), /command substitution/);
  assert.match(reason("ls > out.txt"), /redirection/);
  assert.match(reason("cat < in"), /redirection/);
  assert.match(reason("ls 2>&1"), /redirection/);
  assert.match(reason("ls |& cat"), /redirection/);
  assert.match(reason("(cd /tmp; ls)"), /subshell/);
  assert.match(reason("FOO=1 ls"), /environment assignment/);
  assert.match(reason("$CMD -x"), /variables/);
  assert.match(reason("ls # comment"), /comment/);
  assert.match(reason("ls &&"), /operator without a command/);
  assert.match(reason("&& ls"), /operator without a command/);
  assert.match(reason("echo 'open"), /unterminated/);
  assert.match(reason("   "), /empty/);
});

test("joined argv splits back into the same words", () => {
  const argv = ["printf", "%s\\n", "it's", "a b", ""];
  assert.deepEqual(segments(joinShellWords(argv)), [argv]);
});
