export const Scope = {
  admin: "operator.admin",
  read: "operator.read",
  write: "operator.write",
  approvals: "operator.approvals",
  questions: "operator.questions",
  pairing: "operator.pairing",
  talk: "operator.talk",
  talkSecrets: "operator.talk.secrets",
  sessionsRead: "operator.sessions.read",
  sessionsWrite: "operator.sessions.write",
} as const;

export type OperatorScope = (typeof Scope)[keyof typeof Scope];

export const KNOWN_OPERATOR_SCOPES: ReadonlySet<string> = new Set(Object.values(Scope));

const IMPLIED_BY_WRITE: ReadonlySet<string> = new Set([Scope.read, Scope.talk, Scope.sessionsRead, Scope.sessionsWrite]);

export function scopeSatisfied(required: string, granted: ReadonlySet<string>): boolean {
  if (granted.has(required) || granted.has(Scope.admin)) return true;
  if (IMPLIED_BY_WRITE.has(required) && granted.has(Scope.write)) return true;
  if (required === Scope.sessionsRead && (granted.has(Scope.read) || granted.has(Scope.sessionsWrite))) return true;
  return false;
}

/** Scopes an event needs (any one of); an empty list means every authenticated client. */
const EVENT_SCOPES: Record<string, readonly string[]> = {
  tick: [],
  health: [],
  heartbeat: [],
  shutdown: [],
  "gateway.suspension": [],
  "update.available": [],
  presence: [Scope.read],
  "config.changed": [Scope.read],
  agent: [Scope.read],
  chat: [Scope.read],
  "sessions.changed": [Scope.read],
  "session.message": [Scope.read],
  "session.tool": [Scope.read],
  "chat.metadata.changed": [Scope.read, Scope.sessionsRead],
  "exec.approval.requested": [Scope.approvals],
  "exec.approval.resolved": [Scope.approvals],
  "device.pair.requested": [Scope.pairing],
  "device.pair.resolved": [Scope.pairing],
  "device.pair.changed": [Scope.pairing],
  "node.pair.requested": [Scope.pairing],
  "node.pair.resolved": [Scope.pairing],
  "node.hostStats": [Scope.read],
  "node.runnerInventory.changed": [Scope.read],
};

/** Unknown events are not delivered (fail closed). */
export function eventAllowed(event: string, role: string, granted: ReadonlySet<string>): boolean {
  const required = EVENT_SCOPES[event];
  if (!required) return false;
  if (required.length === 0) return true;
  if (role !== "operator") return false;
  return required.some((scope) => scopeSatisfied(scope, granted));
}
