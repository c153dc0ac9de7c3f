import { Scope } from "../protocol/scopes.js";
import { defineMethod, type MethodSpec } from "./registry.js";

/**
 * Features of the official gateway this one does not have (scheduled jobs, the task ledger, Talk,
 * questions, update sentinels, progress cards, transcript branches, the session companion, plugins). The
 * official Control UI asks for them on every page; each answers with its documented empty result
 * instead of `unknown method`, so those panels show "nothing here" rather than an error.
 */
const empty = (name: string, scope: string, result: () => unknown): MethodSpec<unknown> => defineMethod({ name, scope, handler: result });

export const absentFeatureMethods = [
  empty("tasks.list", Scope.read, () => ({ tasks: [] })),
  empty("cron.list", Scope.read, () => ({ jobs: [] })),
  empty("cron.status", Scope.read, () => ({ enabled: false, jobs: 0, nextWakeAtMs: null })),
  empty("question.list", Scope.read, () => ({ questions: [] })),
  empty("talk.catalog", Scope.read, () => ({ providers: [] })),
  empty("update.status", Scope.admin, () => ({ sentinel: null })),
  empty("progressCard.get", Scope.read, () => ({ card: null })),
  empty("sessions.branches.list", Scope.read, () => ({ branches: [] })),
  empty("sessions.companion.state", Scope.read, () => ({ exchanges: [] })),
  empty("sessions.observer.visibility", Scope.read, () => ({ ok: true })),
  // No plugin runtime: channels and tools are built in.
  empty("plugins.list", Scope.read, () => ({ plugins: [], picks: [], diagnostics: [], mutationsAllowed: false, generation: 0 })),
];
