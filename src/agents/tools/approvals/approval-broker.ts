import { randomUUID } from "node:crypto";
import { createLogger } from "../../../infra/logger.js";
import { ErrorCodes, GatewayError } from "../../../protocol/errors.js";
import type { EventHub } from "../../../server/event-hub.js";
import { timerMs } from "../exec/timers.js";
import type { ApprovalDecision, ExecApprovalRequest } from "./approval-types.js";

const log = createLogger("exec-approvals");

export { APPROVAL_DECISIONS, type ApprovalDecision, type ExecApprovalRequest } from "./approval-types.js";

export const REQUESTED_EVENT = "exec.approval.requested";
export const RESOLVED_EVENT = "exec.approval.resolved";

/** Finished requests stay readable for a while, so a late `get`/`waitDecision`/repeat resolve gets the outcome. */
const FINISHED_KEPT = 200;
const FINISHED_KEPT_MS = 15 * 60_000;

export type ApprovalStatus = "pending" | "resolved" | "expired" | "cancelled";

export type ApprovalRecord = {
  readonly id: string;
  readonly request: ExecApprovalRequest;
  readonly createdAtMs: number;
  readonly expiresAtMs: number;
  status: ApprovalStatus;
  decision: ApprovalDecision | null;
  resolvedBy: string | null;
  resolvedAtMs: number | null;
};

export type ApprovalEvents = Pick<EventHub, "broadcast" | "wanted">;

type Live = {
  record: ApprovalRecord;
  timer: NodeJS.Timeout;
  waiters: Set<(decision: ApprovalDecision | null) => void>;
  onAllowAlways?: () => Promise<void>;
};

export type CreateApprovalOptions = {
  id?: string;
  timeoutMs: number;
  /** Runs before waiters hear `allow-always`, so the next command already matches the new entry. */
  onAllowAlways?: () => Promise<void>;
};

export function approvalNotFound(id: string, message = `approval not found: ${id}`): GatewayError {
  return new GatewayError({ code: ErrorCodes.approvalNotFound, message });
}

/**
 * Pending exec approvals, in memory: each is announced to approval clients and ends once:
 * resolved, expired or cancelled (its run was aborted), whichever comes first; the others are
 * then no-ops. An answer counts from the moment it arrives, even while allow-always is saved.
 */
export class ApprovalBroker {
  private live = new Map<string, Live>();
  private finished = new Map<string, ApprovalRecord>();
  private readonly now: () => number;

  constructor(private readonly opts: { events: ApprovalEvents; now?: () => number }) {
    this.now = opts.now ?? Date.now;
  }

  /** Whether some connected client could answer (has `operator.approvals` or admin). */
  hasApprover(): boolean {
    return this.opts.events.wanted(REQUESTED_EVENT);
  }

  create(request: ExecApprovalRequest, opts: CreateApprovalOptions): ApprovalRecord {
    const id = opts.id ?? randomUUID();
    if (this.live.has(id) || this.finished.has(id)) throw new GatewayError({ code: ErrorCodes.invalidRequest, message: `approval id ${id} is already in use` });
    const createdAtMs = this.now();
    const timeoutMs = timerMs(opts.timeoutMs);
    const record: ApprovalRecord = { id, request, createdAtMs, expiresAtMs: createdAtMs + timeoutMs, status: "pending", decision: null, resolvedBy: null, resolvedAtMs: null };
    const timer = setTimeout(() => this.endUnanswered(id, "expired"), timeoutMs);
    this.live.set(id, { record, timer, waiters: new Set(), onAllowAlways: opts.onAllowAlways });
    this.opts.events.broadcast(REQUESTED_EVENT, { id, request, createdAtMs, expiresAtMs: record.expiresAtMs });
    return record;
  }

  get(id: string): ApprovalRecord | undefined {
    return this.live.get(id)?.record ?? this.finished.get(id);
  }

  list(): ApprovalRecord[] {
    return [...this.live.values()].map((l) => l.record).sort((a, b) => a.createdAtMs - b.createdAtMs);
  }

  /** First answer wins; repeating the same answer is fine, a different one is an error. */
  async resolve(id: string, decision: ApprovalDecision, resolvedBy: string | null): Promise<{ record: ApprovalRecord; alreadyResolved: boolean }> {
    const live = this.live.get(id);
    if (!live || live.record.status !== "pending") {
      const record = live?.record ?? this.finished.get(id);
      if (!record) throw approvalNotFound(id);
      if (record.status === "expired") throw approvalNotFound(id, `approval ${id} expired before it was answered`);
      if (record.status === "cancelled") throw approvalNotFound(id, `approval ${id} was cancelled: its run ended`);
      if (record.decision === decision) return { record, alreadyResolved: true };
      throw new GatewayError({ code: ErrorCodes.invalidRequest, message: `approval ${id} was already resolved: ${record.decision}` });
    }
    if (!live.record.request.allowedDecisions.includes(decision)) {
      throw new GatewayError({ code: ErrorCodes.invalidRequest, message: `decision ${decision} is not offered for approval ${id} (offered: ${live.record.request.allowedDecisions.join(", ")})` });
    }
    // Claimed before the await, so a second answer, the expiry or a cancel arriving meanwhile is a no-op.
    live.record.status = "resolved";
    live.record.decision = decision;
    if (decision === "allow-always" && live.onAllowAlways) {
      await live.onAllowAlways().catch((err: Error) => log.warn(`approval ${id}: allow-always could not be saved (${err.message}); it counts for this run only`));
    }
    this.finish(live, "resolved", decision, resolvedBy);
    return { record: live.record, alreadyResolved: false };
  }

  /** The decision, or null when the request ends without one or `timeoutMs` passes first. */
  waitDecision(id: string, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<ApprovalDecision | null> {
    const live = this.live.get(id);
    if (!live) {
      const record = this.finished.get(id);
      if (!record) return Promise.reject(approvalNotFound(id));
      return Promise.resolve(record.decision);
    }
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (decision: ApprovalDecision | null) => {
        live.waiters.delete(done);
        if (timer) clearTimeout(timer);
        opts.signal?.removeEventListener("abort", onAbort);
        resolve(decision);
      };
      const onAbort = () => done(null);
      live.waiters.add(done);
      if (opts.timeoutMs !== undefined) timer = setTimeout(() => done(null), timerMs(opts.timeoutMs));
      if (opts.signal?.aborted) onAbort();
      else opts.signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Withdraws a pending request (its run was aborted); approval clients are told it is gone. */
  cancel(id: string): boolean {
    return this.endUnanswered(id, "cancelled");
  }

  close(): void {
    for (const id of [...this.live.keys()]) this.cancel(id);
  }

  /** Expiry and cancellation end only a request nobody has answered yet. */
  private endUnanswered(id: string, status: "expired" | "cancelled"): boolean {
    const live = this.live.get(id);
    if (!live || live.record.status !== "pending") return false;
    this.finish(live, status, null, null);
    return true;
  }

  private finish(live: Live, status: ApprovalStatus, decision: ApprovalDecision | null, resolvedBy: string | null): void {
    const record = live.record;
    const id = record.id;
    clearTimeout(live.timer);
    this.live.delete(id);
    record.status = status;
    record.decision = decision;
    record.resolvedBy = resolvedBy;
    record.resolvedAtMs = this.now();
    this.remember(record);
    for (const waiter of [...live.waiters]) waiter(decision);
    const ts = record.resolvedAtMs;
    this.opts.events.broadcast(RESOLVED_EVENT, status === "resolved" ? { id, decision, ...(resolvedBy ? { resolvedBy } : {}), ts } : { id, decision: null, reason: status, ts });
  }

  private remember(record: ApprovalRecord): void {
    this.finished.set(record.id, record);
    const cutoff = this.now() - FINISHED_KEPT_MS;
    for (const [id, old] of this.finished) {
      if (this.finished.size <= FINISHED_KEPT && (old.resolvedAtMs ?? 0) >= cutoff) break;
      this.finished.delete(id);
    }
  }
}
