/**
 * Child process of crash-safety.test.ts: runs turns against the store at argv[2] as fast as it can
 * and prints, after every call that commits entries, how many entries it has committed so far.
 * The test kills it with SIGKILL at a random moment.
 */
import { randomUUID } from "node:crypto";
import { openAgentStore } from "./agent-store.js";
import type { NewEntry } from "./types.js";

const entry = (type: NewEntry["type"], role: NewEntry["role"], text: string): NewEntry => ({ type, role, text, data: {}, runId: null, idempotencyKey: null });

const store = await openAgentStore(process.argv[2]);
store.recoverInterrupted();
let committed = 0;
// Writes to a pipe are synchronous on Linux, so a printed count was committed before it was printed.
const report = (entries: number) => {
  committed += entries;
  process.stdout.write(`${committed}\n`);
};
process.stdout.write("ready\n");

for (let turn = 0; ; turn++) {
  const sessionKey = `agent:main:crash-${turn % 3}`;
  const runId = randomUUID();
  store.insertRun({ runId, sessionKey, status: "queued", source: "crash-test", request: { turn } });
  store.startRun(runId, entry("message", "user", `question ${turn}`));
  report(1);
  for (let chunk = 1; chunk <= 3; chunk++) store.savePartialText(runId, `answer ${turn} `.repeat(chunk));
  store.appendEntry(sessionKey, entry("message", "toolResult", `tool output ${turn}`));
  report(1);
  const failed = turn % 7 === 3;
  const outcome = store.finishRun(runId, {
    status: failed ? "error" : "ok",
    error: failed ? "provider failed" : null,
    entries: failed ? [] : [entry("message", "assistant", `answer ${turn}`)],
    usage: { input: 3, output: 2, cacheRead: 0, total: 5 },
  });
  report(outcome.entries.length);
  if (turn % 40 === 39) store.resetSession(sessionKey);
}
