import { test } from "node:test";
import assert from "node:assert/strict";
import Sqlite from "better-sqlite3";
import { migrate } from "./migrations.js";
import { prepareStatements } from "./statements.js";

const placeholderValues = (source: string): unknown[] => {
  const named = [...new Set([...source.matchAll(/@(\w+)/g)].map((m) => m[1]))];
  if (named.length > 0) return [Object.fromEntries(named.map((name) => [name, "x"]))];
  return Array((source.match(/\?/g) ?? []).length).fill("x");
};

test("every statement finds its rows through an index", () => {
  const db = new Sqlite(":memory:");
  migrate(db);
  const statements = prepareStatements(db);
  for (const [name, statement] of Object.entries(statements)) {
    const plan = (db.prepare(`EXPLAIN QUERY PLAN ${statement.source}`).all(...placeholderValues(statement.source)) as { detail: string }[])
      .map((row) => row.detail)
      .join(" | ");
    if (name !== "countSessions") assert.doesNotMatch(plan, /\bSCAN (entries|sessions|runs|transcripts)\b/, `${name}: ${plan}`);
    assert.doesNotMatch(plan, /TEMP B-TREE/, `${name}: ${plan}`);
  }
  db.close();
});
