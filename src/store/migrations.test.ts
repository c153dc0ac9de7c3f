import { test } from "node:test";
import assert from "node:assert/strict";
import Sqlite from "better-sqlite3";
import { migrate, migrations, schemaVersion, SchemaTooNewError } from "./migrations.js";

const tables = (db: Sqlite.Database) =>
  (db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name LIKE 't%' ORDER BY name`).all() as { name: string }[]).map((r) => r.name);

test("steps apply in order, once each", () => {
  const db = new Sqlite(":memory:");
  migrate(db, [`CREATE TABLE t1 (a)`]);
  assert.equal(schemaVersion(db), 1);
  migrate(db, [`CREATE TABLE t1 (a)`, `CREATE TABLE t2 (b)`]);
  assert.equal(schemaVersion(db), 2);
  migrate(db, [`CREATE TABLE t1 (a)`, `CREATE TABLE t2 (b)`]);
  assert.deepEqual(tables(db), ["t1", "t2"]);
  db.close();
});

test("a failing step leaves the file at the previous version", () => {
  const db = new Sqlite(":memory:");
  assert.throws(() => migrate(db, [`CREATE TABLE t1 (a)`, `CREATE TABLE t2 (b); INSERT INTO missing VALUES (1)`]), /no such table: missing/);
  assert.equal(schemaVersion(db), 1);
  assert.deepEqual(tables(db), ["t1"]);
  db.close();
});

test("a version newer than the code is refused before anything changes", () => {
  const db = new Sqlite(":memory:");
  db.pragma("user_version = 7");
  assert.throws(() => migrate(db, [`CREATE TABLE t1 (a)`]), (err: unknown) => err instanceof SchemaTooNewError && err.fileVersion === 7 && err.knownVersion === 1);
  assert.deepEqual(tables(db), []);
  db.close();
});

test("the shipped schema builds on an empty database", () => {
  const db = new Sqlite(":memory:");
  migrate(db);
  assert.equal(schemaVersion(db), migrations.length);
  assert.deepEqual(db.pragma("foreign_key_check"), []);
  db.close();
});
