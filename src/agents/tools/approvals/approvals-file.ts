import { createHash } from "node:crypto";
import { promises as fsp } from "node:fs";
import { join } from "node:path";
import { Type, type Static } from "@sinclair/typebox";
import { isPlainObject } from "../../../config/objects.js";
import { REDACTED } from "../../../config/redact.js";
import { writeFileAtomic } from "../../../infra/files.js";
import { compileSchema } from "../../../protocol/validate.js";

export const SECURITY_LEVELS = ["deny", "allowlist", "full"] as const;
export const ASK_MODES = ["off", "on-miss", "always"] as const;
export type ExecSecurity = (typeof SECURITY_LEVELS)[number];
export type ExecAsk = (typeof ASK_MODES)[number];

export const APPROVALS_FILE_NAME = "exec-approvals.json";
/** Where allow-always entries point their `argPattern`: an exact argv + cwd binding, not a regex. */
export const ARGV_BINDING_PREFIX = "sha256:argv:";

const Opt = Type.Optional;

const AllowlistEntrySchema = Type.Object({
  id: Opt(Type.String({ minLength: 1 })),
  pattern: Type.String(),
  source: Opt(Type.Literal("allow-always")),
  commandText: Opt(Type.String()),
  argPattern: Opt(Type.String()),
  lastUsedAt: Opt(Type.Number({ minimum: 0 })),
  lastUsedCommand: Opt(Type.String()),
  lastResolvedPath: Opt(Type.String()),
});

const PolicyFields = {
  security: Opt(Type.String()),
  ask: Opt(Type.String()),
  askFallback: Opt(Type.String()),
  autoAllowSkills: Opt(Type.Boolean()),
};

/** The `exec.approvals.set` params.file shape (method-schemas.md, "Exec approvals"). */
export const ApprovalsFileSchema = Type.Object({
  version: Type.Literal(1),
  socket: Opt(Type.Object({ path: Opt(Type.String()), token: Opt(Type.String()) })),
  defaults: Opt(Type.Object(PolicyFields)),
  agents: Opt(
    Type.Record(
      Type.String(),
      Type.Object({
        ...PolicyFields,
        allowlist: Opt(Type.Array(AllowlistEntrySchema)),
        mcpTools: Opt(
          Type.Array(
            Type.Object({
              server: Type.String({ minLength: 1, pattern: "\\S" }),
              tool: Type.String({ minLength: 1, pattern: "\\S" }),
              source: Type.Literal("allow-always"),
              addedAt: Type.Number({ minimum: 0 }),
              lastUsedAt: Opt(Type.Number({ minimum: 0 })),
            }),
          ),
        ),
      }),
    ),
  ),
});

const approvalsFileValidator = compileSchema(ApprovalsFileSchema);

export type AllowlistEntry = {
  id: string;
  pattern: string;
  argPattern?: string;
  source?: "allow-always";
  lastUsedAt?: number;
  lastUsedCommand?: string;
  lastResolvedPath?: string;
};

export type PolicyOverrides = { security?: ExecSecurity; ask?: ExecAsk; askFallback?: ExecSecurity; autoAllowSkills?: boolean };

export type AgentApprovals = PolicyOverrides & { allowlist?: AllowlistEntry[]; mcpTools?: Array<Record<string, unknown>> };

export type ExecApprovalsFile = {
  version: 1;
  socket?: { path?: string; token?: string };
  defaults?: PolicyOverrides;
  agents?: Record<string, AgentApprovals>;
};

/** The file as the gateway last read it. `problem` is set when it exists but cannot be used. */
export type ApprovalsSnapshot = { path: string; exists: boolean; hash: string; file: ExecApprovalsFile; problem?: string };

export type ApprovalsFileErrorCode = "stale-hash" | "invalid";

export class ApprovalsFileError extends Error {
  constructor(readonly code: ApprovalsFileErrorCode, message: string, readonly details?: Record<string, unknown>) {
    super(message);
  }
}

export function approvalsFilePath(stateDir: string): string {
  return join(stateDir, APPROVALS_FILE_NAME);
}

export function hashApprovalsText(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function emptyApprovalsFile(): ExecApprovalsFile {
  return { version: 1 };
}

/** Hand-written entries may lack an id; a stable one keeps grant ids the same across reads. */
function stableEntryId(agentId: string, pattern: string, argPattern: string | undefined): string {
  const hex = createHash("sha256").update(`${agentId}\0${pattern}\0${argPattern ?? ""}`).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function problemsOf(value: unknown): string[] {
  if (!approvalsFileValidator.check(value)) return approvalsFileValidator.problems(value);
  const file = value as Static<typeof ApprovalsFileSchema>;
  const problems: string[] = [];
  const scopes: Array<[string, Record<string, unknown> | undefined]> = [["defaults", file.defaults], ...Object.entries(file.agents ?? {}).map(([id, a]) => [`agents.${id}`, a] as [string, Record<string, unknown>])];
  for (const [where, scope] of scopes) {
    if (!scope) continue;
    if (scope.security !== undefined && !SECURITY_LEVELS.includes(scope.security as ExecSecurity)) problems.push(`${where}.security: must be one of ${SECURITY_LEVELS.join(", ")}`);
    if (scope.ask !== undefined && !ASK_MODES.includes(scope.ask as ExecAsk)) problems.push(`${where}.ask: must be one of ${ASK_MODES.join(", ")}`);
    if (scope.askFallback !== undefined && !SECURITY_LEVELS.includes(scope.askFallback as ExecSecurity)) problems.push(`${where}.askFallback: must be one of ${SECURITY_LEVELS.join(", ")}`);
  }
  for (const [agentId, agent] of Object.entries(file.agents ?? {})) {
    (agent.allowlist ?? []).forEach((entry, i) => {
      if (entry.pattern.trim() === "") problems.push(`agents.${agentId}.allowlist.${i}.pattern: must not be empty`);
      if (entry.argPattern !== undefined && !entry.argPattern.startsWith(ARGV_BINDING_PREFIX)) {
        try {
          new RegExp(entry.argPattern);
        } catch (err) {
          problems.push(`agents.${agentId}.allowlist.${i}.argPattern: not a valid regular expression (${(err as Error).message})`);
        }
      }
    });
  }
  return problems;
}

/** Legacy files may lack `version` or carry `null` usage stamps (meaning "never used"). */
function upgradeLegacyShape(raw: unknown): unknown {
  if (!isPlainObject(raw)) return raw;
  const value = raw.version === undefined ? { ...raw, version: 1 } : raw;
  if (!isPlainObject(value.agents)) return value;
  const agents: Record<string, unknown> = {};
  for (const [id, agent] of Object.entries(value.agents)) {
    if (!isPlainObject(agent) || !Array.isArray(agent.allowlist)) {
      agents[id] = agent;
      continue;
    }
    const allowlist = agent.allowlist.map((entry: unknown) => {
      if (!isPlainObject(entry)) return entry;
      const copy = { ...entry };
      for (const key of ["lastUsedAt", "lastUsedCommand"]) if (copy[key] === null) delete copy[key];
      return copy;
    });
    agents[id] = { ...agent, allowlist };
  }
  return { ...value, agents };
}

/** Validates a whole file; throws `ApprovalsFileError("invalid")` listing what is wrong. */
function validateApprovalsFile(raw: unknown): ExecApprovalsFile {
  const value = upgradeLegacyShape(raw);
  const problems = problemsOf(value);
  if (problems.length > 0) throw new ApprovalsFileError("invalid", `invalid exec approvals file: ${problems.join("; ")}`, { problems });
  return normalizeApprovalsFile(value as ExecApprovalsFile);
}

/**
 * The canonical in-memory form: every allowlist entry has an id, the legacy `agents.default`
 * becomes `agents.main`, and legacy fields (`commandText`, null usage stamps) are dropped.
 */
function normalizeApprovalsFile(file: ExecApprovalsFile): ExecApprovalsFile {
  const agents: Record<string, AgentApprovals> = {};
  for (const [rawId, agent] of Object.entries(file.agents ?? {})) {
    const agentId = rawId === "default" && !file.agents?.main ? "main" : rawId;
    const copy: AgentApprovals = { ...agent };
    if (agent.allowlist) {
      copy.allowlist = agent.allowlist.map((raw) => {
        const { commandText: _legacy, ...entry } = raw as AllowlistEntry & { commandText?: unknown };
        return { ...entry, id: entry.id ?? stableEntryId(agentId, entry.pattern, entry.argPattern) };
      });
    }
    agents[agentId] = copy;
  }
  return { ...file, version: 1, ...(file.agents ? { agents } : {}) };
}

/** `socket.token` is a secret: readers get the sentinel, and a write that sends it back keeps the old one. */
export function redactApprovalsFile(file: ExecApprovalsFile): ExecApprovalsFile {
  if (!file.socket?.token) return file;
  return { ...file, socket: { ...file.socket, token: REDACTED } };
}

/** What readers of the file get (RPC and CLI): the snapshot with its secret redacted. */
export type ApprovalsFileView = Pick<ApprovalsSnapshot, "path" | "exists" | "hash" | "file"> & { problem?: string };

export function approvalsFileView(snapshot: ApprovalsSnapshot): ApprovalsFileView {
  return { path: snapshot.path, exists: snapshot.exists, hash: snapshot.hash, file: redactApprovalsFile(snapshot.file), ...(snapshot.problem ? { problem: snapshot.problem } : {}) };
}

function restoreRedacted(next: ExecApprovalsFile, current: ExecApprovalsFile): ExecApprovalsFile {
  if (next.socket?.token !== REDACTED) return next;
  const socket = { ...next.socket };
  if (current.socket?.token) socket.token = current.socket.token;
  else delete socket.token;
  return { ...next, socket };
}

function serialize(file: ExecApprovalsFile): string {
  return JSON.stringify(file, null, 2) + "\n";
}

/**
 * `<stateDir>/exec-approvals.json`: read tolerantly (missing means defaults), replaced atomically
 * at mode 0600, and changed one writer at a time so allow-always and `exec.approvals.set` never
 * lose each other's edits. The hash (sha256 of the file text) guards `baseHash` replacements.
 */
export class ApprovalsFileStore {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly path: string) {}

  async read(): Promise<ApprovalsSnapshot> {
    let text: string;
    try {
      text = await fsp.readFile(this.path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return { path: this.path, exists: false, hash: hashApprovalsText(""), file: emptyApprovalsFile() };
      return { path: this.path, exists: true, hash: hashApprovalsText(""), file: emptyApprovalsFile(), problem: `cannot read ${this.path}: ${(err as Error).message}` };
    }
    const hash = hashApprovalsText(text);
    let parsed: unknown;
    try {
      parsed = upgradeLegacyShape(text.trim() === "" ? emptyApprovalsFile() : JSON.parse(text));
    } catch (err) {
      return { path: this.path, exists: true, hash, file: emptyApprovalsFile(), problem: `${this.path} is not valid JSON: ${(err as Error).message}` };
    }
    const problems = isPlainObject(parsed) ? problemsOf(parsed) : ["the file must hold a JSON object"];
    if (problems.length > 0) return { path: this.path, exists: true, hash, file: emptyApprovalsFile(), problem: `${this.path} is invalid: ${problems.join("; ")}` };
    return { path: this.path, exists: true, hash, file: normalizeApprovalsFile(parsed as ExecApprovalsFile) };
  }

  /** Replaces the whole file (`exec.approvals.set`); a `baseHash` that no longer matches is refused. */
  replace(value: unknown, baseHash?: string): Promise<ApprovalsSnapshot> {
    return this.serialized(async () => {
      const next = validateApprovalsFile(value);
      const current = await this.read();
      if (baseHash !== undefined && baseHash !== current.hash) {
        throw new ApprovalsFileError("stale-hash", "exec approvals changed since they were read (stale baseHash); re-read them with exec.approvals.get and retry", { currentHash: current.hash });
      }
      return this.write(restoreRedacted(next, current.file));
    });
  }

  /** Read-modify-write; `change` edits the file in place and returns false when nothing changed. */
  update(change: (file: ExecApprovalsFile) => boolean): Promise<ApprovalsSnapshot> {
    return this.serialized(async () => {
      const current = await this.read();
      if (current.problem) throw new ApprovalsFileError("invalid", `${current.problem}; fix it or replace it with \`openclaw approvals set\``);
      const file = structuredClone(current.file);
      if (!change(file)) return current;
      return this.write(file);
    });
  }

  private async write(file: ExecApprovalsFile): Promise<ApprovalsSnapshot> {
    const text = serialize(file);
    await writeFileAtomic(this.path, text, 0o600);
    return { path: this.path, exists: true, hash: hashApprovalsText(text), file };
  }

  private serialized<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => {});
    return run;
  }
}
