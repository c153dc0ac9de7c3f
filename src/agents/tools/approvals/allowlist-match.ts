import { createHash, randomUUID } from "node:crypto";
import { expandHome } from "../exec/home.js";
import { ARGV_BINDING_PREFIX, type AllowlistEntry } from "./approvals-file.js";
import { redactCommandText } from "./command-redaction.js";
import { globMatches, PATHS_CASE_INSENSITIVE } from "./glob-match.js";
import { realPathOf, resolveExecutable } from "./resolve-executable.js";
import { splitShellCommand } from "./shell-segments.js";

/** One simple command of a request, with where its program lives and the entry that allows it. */
export type CommandSegment = { argv: string[]; resolvedPath: string | null; realPath: string | null; entry: AllowlistEntry | null };

/** `unsplittable` says why the command could not be reduced to simple commands (then nothing matches). */
export type CommandAnalysis = { segments: CommandSegment[]; unsplittable?: string; allowlisted: boolean };

export type MatchEnv = {
  pathEnv: string | undefined;
  home: string;
  caseInsensitive?: boolean;
  /** Looks programs up elsewhere (on a node) instead of through `pathEnv` on this machine. */
  resolveProgram?(program: string, cwd: string): Promise<string | null>;
};

/** The `argPattern` of an allow-always entry: these exact arguments, in this working directory. */
export function argvBinding(cwd: string, args: readonly string[]): string {
  return ARGV_BINDING_PREFIX + createHash("sha256").update(JSON.stringify([cwd, ...args])).digest("hex");
}

/** A bare name (`rg`) matches only programs found through PATH; anything with a slash is a path glob. */
function isBareName(pattern: string): boolean {
  return !pattern.includes("/") && !pattern.startsWith("~");
}

function argsMatch(argPattern: string | undefined, args: string[], cwd: string): boolean {
  if (argPattern === undefined) return true;
  if (argPattern.startsWith(ARGV_BINDING_PREFIX)) return argPattern === argvBinding(cwd, args);
  try {
    return new RegExp(argPattern).test(args.join(" "));
  } catch {
    return false;
  }
}

function entryMatches(entry: AllowlistEntry, segment: Omit<CommandSegment, "entry">, cwd: string, env: MatchEnv): boolean {
  if (!segment.resolvedPath) return false;
  const insensitive = env.caseInsensitive ?? PATHS_CASE_INSENSITIVE;
  const program = segment.argv[0]!;
  const pathMatches = isBareName(entry.pattern)
    ? !program.includes("/") && globMatches(entry.pattern, program, insensitive)
    : [segment.resolvedPath, segment.realPath].some((path) => path !== null && globMatches(expandHome(entry.pattern, env.home), path, insensitive));
  return pathMatches && argsMatch(entry.argPattern, segment.argv.slice(1), cwd);
}

/**
 * Splits the command (argv as given, else the shell text), resolves each program through PATH
 * and finds an allowlist entry for each. The command is allowlisted only when every segment is.
 */
export async function analyzeCommand(
  command: { argv: string[] | null; commandText: string; cwd: string },
  allowlist: readonly AllowlistEntry[],
  env: MatchEnv,
): Promise<CommandAnalysis> {
  let argvs: string[][];
  if (command.argv && command.argv.length > 0) argvs = [command.argv];
  else {
    const split = splitShellCommand(command.commandText, env.home);
    if (!split.ok) return { segments: [], unsplittable: split.reason, allowlisted: false };
    argvs = split.segments;
  }
  const segments: CommandSegment[] = [];
  for (const argv of argvs) {
    const resolvedPath = env.resolveProgram ? await env.resolveProgram(argv[0]!, command.cwd) : await resolveExecutable(argv[0]!, command.cwd, env.pathEnv);
    const realPath = resolvedPath && !env.resolveProgram ? await realPathOf(resolvedPath) : null;
    const segment = { argv, resolvedPath, realPath };
    segments.push({ ...segment, entry: allowlist.find((entry) => entryMatches(entry, segment, command.cwd, env)) ?? null });
  }
  return { segments, allowlisted: segments.every((s) => s.entry !== null) };
}

/**
 * The entries an allow-always decision adds: each segment's program path bound to its exact
 * arguments and the working directory. Empty when some program could not be resolved, so the
 * decision then counts for this one run only.
 */
export function allowAlwaysEntries(analysis: CommandAnalysis, cwd: string, commandText: string, nowMs: number): AllowlistEntry[] {
  if (analysis.unsplittable || analysis.segments.length === 0 || analysis.segments.some((s) => !s.resolvedPath)) return [];
  return analysis.segments.map((segment) => ({
    id: randomUUID(),
    pattern: segment.resolvedPath!,
    argPattern: argvBinding(cwd, segment.argv.slice(1)),
    source: "allow-always" as const,
    lastUsedAt: nowMs,
    lastUsedCommand: redactCommandText(commandText),
    lastResolvedPath: segment.resolvedPath!,
  }));
}
