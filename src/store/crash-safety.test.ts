import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import Sqlite from "better-sqlite3";
import { openAgentStore } from "./agent-store.js";
import { tempStorePath } from "./test-helpers.js";

const writerScript = fileURLToPath(new URL("./crash-writer.js", import.meta.url));
const ROUNDS = 8;

type Row = Record<string, string | number | null>;

/** Runs the writer until it has been writing for a random while, kills it and returns its last reported count. */
async function killWriterMidFlight(path: string): Promise<number> {
  const child = spawn(process.execPath, [writerScript, path], { stdio: ["ignore", "pipe", "inherit"] });
  let output = "";
  let ready!: () => void;
  const started = new Promise<void>((resolve) => (ready = resolve));
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    output += chunk;
    if (output.startsWith("ready\n")) ready();
  });
  const exited = once(child, "exit");
  await Promise.race([started, exited]);
  assert.ok(output.startsWith("ready\n"), "the writer started");
  await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 300));
  child.kill("SIGKILL");
  const [code, signal] = await exited;
  assert.equal(signal, "SIGKILL", `the writer died by itself (code ${code})`);
  const complete = output.slice(0, output.lastIndexOf("\n")).split("\n").slice(1);
  return complete.length ? Number(complete[complete.length - 1]) : 0;
}

function countEntries(db: Sqlite.Database): number {
  return (db.prepare("SELECT count(*) AS n FROM entries").get() as { n: number }).n;
}

function assertConsistent(db: Sqlite.Database): void {
  let previous: Row | null = null;
  for (const row of db.prepare("SELECT session_id, seq, id, parent_id FROM entries ORDER BY session_id, seq").iterate() as Iterable<Row>) {
    const sameSession: boolean = previous !== null && previous.session_id === row.session_id;
    assert.equal(row.seq, sameSession ? Number(previous!.seq) + 1 : 1, `seq of ${row.id}`);
    assert.equal(row.parent_id, sameSession ? previous!.id : null, `parent of ${row.id}`);
    previous = row;
  }
  const runs = db.prepare("SELECT run_id, status, started_at FROM runs").all() as Row[];
  const entriesOf = db.prepare("SELECT type, role, data FROM entries WHERE run_id = ?");
  for (const run of runs) {
    assert.notEqual(run.status, "running", `run ${run.run_id} is still running`);
    const entries = entriesOf.all(run.run_id) as Row[];
    if (run.started_at !== null) assert.ok(entries.some((e) => e.role === "user"), `started run ${run.run_id} has its user entry`);
    if (run.status === "ok") assert.ok(entries.some((e) => e.role === "assistant"), `finished run ${run.run_id} has its reply`);
    if (run.status === "interrupted") {
      assert.ok(entries.some((e) => JSON.parse(String(e.data)).interrupted === true), `interrupted run ${run.run_id} is marked in the transcript`);
    }
    if (run.status === "queued") assert.equal(entries.length, 0);
  }
  const running = db.prepare("SELECT count(*) AS n FROM sessions WHERE status = 'running'").get() as { n: number };
  assert.equal(running.n, 0, "no session is left running");
}

test("kill -9 at random moments leaves the store consistent and loses nothing committed", { timeout: 30_000 }, async (t) => {
  const path = tempStorePath();
  (await openAgentStore(path)).close();
  let committedBefore = 0;
  for (let round = 1; round <= ROUNDS; round++) {
    const reported = await killWriterMidFlight(path);
    assert.ok(reported > 0, "the writer committed something before it was killed");

    const raw = new Sqlite(path);
    assert.equal(raw.pragma("integrity_check", { simple: true }), "ok");
    raw.prepare("INSERT INTO entries_fts (entries_fts) VALUES ('integrity-check')").run();
    const found = countEntries(raw);
    assert.ok(found >= committedBefore + reported, `round ${round}: ${found} entries, but ${committedBefore} + ${reported} were committed`);
    raw.close();

    const store = await openAgentStore(path);
    const recovered = store.recoverInterrupted();
    store.close();

    const check = new Sqlite(path, { readonly: true });
    assertConsistent(check);
    committedBefore = countEntries(check);
    check.close();
    t.diagnostic(`round ${round}: ${reported} entries committed by the writer, ${recovered.length} run(s) recovered, ${committedBefore} in total`);
  }
});
