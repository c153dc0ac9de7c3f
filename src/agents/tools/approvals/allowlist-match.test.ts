import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { allowAlwaysEntries, analyzeCommand, argvBinding, type MatchEnv } from "./allowlist-match.js";
import type { AllowlistEntry } from "./approvals-file.js";

let root: string;
let bin: string;
let env: MatchEnv;

function executable(path: string): void {
  writeFileSync(path, "#!/bin/sh\n");
  chmodSync(path, 0o755);
}

before(() => {
  root = mkdtempSync(join(tmpdir(), "ocgw-allowlist-"));
  bin = join(root, "bin");
  mkdirSync(bin);
  mkdirSync(join(root, "home", "tools"), { recursive: true });
  executable(join(bin, "rg"));
  executable(join(bin, "git"));
  executable(join(root, "rg"));
  executable(join(root, "home", "tools", "deploy"));
  symlinkSync(join(root, "home", "tools", "deploy"), join(bin, "ship"));
  writeFileSync(join(bin, "notexec"), "x");
  env = { pathEnv: `${join(root, "missing")}::relative:${bin}`, home: join(root, "home"), caseInsensitive: false };
});

after(() => rmSync(root, { recursive: true, force: true }));

const entry = (pattern: string, argPattern?: string): AllowlistEntry => ({ id: pattern + (argPattern ?? ""), pattern, ...(argPattern ? { argPattern } : {}) });
const check = (commandText: string, allowlist: AllowlistEntry[], argv: string[] | null = null, cwd = root) => analyzeCommand({ argv, commandText, cwd }, allowlist, env);

test("programs are resolved through PATH, skipping empty, relative and missing entries", async () => {
  const a = await check("rg -n x", []);
  assert.equal(a.segments[0]!.resolvedPath, join(bin, "rg"));
  assert.equal((await check("notexec", [])).segments[0]!.resolvedPath, null, "not executable");
  assert.equal((await check("nowhere", [])).segments[0]!.resolvedPath, null);
  assert.equal((await check("./rg", [])).segments[0]!.resolvedPath, join(root, "rg"), "relative to cwd");
});

test("a bare-name pattern matches only programs invoked through PATH", async () => {
  assert.ok((await check("rg x", [entry("rg")])).allowlisted);
  assert.ok(!(await check("./rg x", [entry("rg")])).allowlisted, "./rg is not the PATH rg");
  assert.ok(!(await check(`${root}/rg x`, [entry("rg")])).allowlisted);
  assert.ok(!(await check("nowhere", [entry("nowhere")])).allowlisted, "an unresolvable program never matches");
});

test("a path glob matches the resolved path or its real path; ~ is the home dir", async () => {
  assert.ok((await check("rg", [entry(`${bin}/*`)])).allowlisted);
  assert.ok((await check("./rg", [entry(`${root}/rg`)])).allowlisted);
  assert.ok((await check("ship", [entry("~/tools/*")])).allowlisted, "symlink target matches");
  assert.ok(!(await check("git", [entry(`${root}/*`)])).allowlisted);
  assert.ok(!(await check("rg", [entry(`${bin.toUpperCase()}/RG`)])).allowlisted, "case-sensitive here");
});

test("argPattern restricts the arguments (regex on the joined args)", async () => {
  const allowlist = [entry("git", "^status( --short)?$")];
  assert.ok((await check("git status", allowlist)).allowlisted);
  assert.ok((await check("git status --short", allowlist)).allowlisted);
  assert.ok(!(await check("git push", allowlist)).allowlisted);
  assert.ok(!(await check("git status", [entry("git", "([")])).allowlisted, "an invalid regex never matches");
  assert.ok((await check("git push", [...allowlist, entry("git")])).allowlisted, "a path-only entry still allows other args");
});

test("a chain is allowlisted only when every segment is; unsplittable commands never are", async () => {
  const allowlist = [entry("rg"), entry("git")];
  assert.ok((await check("git status && rg x | rg y", allowlist)).allowlisted);
  const mixed = await check("git status; rm -rf x", allowlist);
  assert.ok(!mixed.allowlisted);
  assert.deepEqual(mixed.segments.map((s) => s.entry !== null), [true, false]);
  const redirected = await check("git status > out", allowlist);
  assert.ok(!redirected.allowlisted);
  assert.equal(redirected.unsplittable, "a redirection");
  assert.ok(!(await check("rg $(cat list)", allowlist)).allowlisted);
});

test("argv given by the tool is used as is, without shell splitting", async () => {
  assert.ok((await check("rg 'a;b'", [entry("rg", "^a;b$")], ["rg", "a;b"])).allowlisted);
});

test("allow-always entries bind the exact args and the working directory", async () => {
  const a = await check("git status && rg -n todo", []);
  const entries = allowAlwaysEntries(a, root, "git status && rg -n todo", 1000);
  assert.deepEqual(entries.map((e) => [e.pattern, e.argPattern, e.source]), [
    [join(bin, "git"), argvBinding(root, ["status"]), "allow-always"],
    [join(bin, "rg"), argvBinding(root, ["-n", "todo"]), "allow-always"],
  ]);
  assert.ok((await check("git status && rg -n todo", entries)).allowlisted);
  assert.ok(!(await check("rg -n other", entries)).allowlisted, "other args");
  assert.ok(!(await check("git status", entries, null, bin)).allowlisted, "another directory");
  assert.deepEqual(allowAlwaysEntries(await check("nowhere x", []), root, "nowhere x", 1), [], "unresolvable: nothing to bind");
  assert.deepEqual(allowAlwaysEntries(await check("ls > x", []), root, "ls > x", 1), []);
});

test("a path with .. is judged as the program it reaches, so a directory glob cannot be climbed out of", async () => {
  const allow: AllowlistEntry[] = [{ pattern: "/opt/tools/**" } as AllowlistEntry];
  const env: MatchEnv = { pathEnv: "/usr/bin:/bin", home: "/root" };
  const analysis = await analyzeCommand({ argv: ["/opt/tools/../../bin/sh", "-c", "id"], commandText: "/opt/tools/../../bin/sh -c id", cwd: "/" }, allow, env);
  assert.equal(analysis.allowlisted, false);
  assert.equal(analysis.segments[0]!.resolvedPath, "/bin/sh");
});
