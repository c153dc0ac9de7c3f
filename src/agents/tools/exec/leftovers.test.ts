import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { killLeftoverCommands, noteRunningCommand } from "./leftovers.js";

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test("a command noted by a live gateway is left alone; one whose gateway died is killed with its group", { skip: process.platform !== "linux" ? "needs /proc" : false }, async () => {
  const stateDir = mkdtempSync(join(tmpdir(), "leftovers-"));
  const child = spawn("/bin/sh", ["-c", "sleep 30 & wait"], { detached: true, stdio: "ignore" });
  const pid = child.pid!;
  const forget = noteRunningCommand(stateDir, pid);
  assert.equal(killLeftoverCommands(stateDir), 0, "this process (the owner) is alive");
  assert.equal(alive(pid), true);

  // The same note as if written by a gateway process that has since exited.
  const dead = spawnSync("true").pid!;
  const [name] = readdirSync(join(stateDir, "exec", "running"));
  const note = JSON.parse(readFileSync(join(stateDir, "exec", "running", name), "utf8"));
  writeFileSync(join(stateDir, "exec", "running", name), JSON.stringify({ ...note, owner: dead }));
  assert.equal(killLeftoverCommands(stateDir), 1);
  await new Promise((resolve) => child.once("exit", resolve));
  assert.equal(alive(pid), false);
  assert.deepEqual(readdirSync(join(stateDir, "exec", "running")), [], "the note is removed");
  forget();
});

test("a note whose pid was reused by another process does not get that process killed", { skip: process.platform !== "linux" ? "needs /proc" : false }, () => {
  const stateDir = mkdtempSync(join(tmpdir(), "leftovers-"));
  const forget = noteRunningCommand(stateDir, process.pid);
  const [name] = readdirSync(join(stateDir, "exec", "running"));
  const file = join(stateDir, "exec", "running", name);
  const note = JSON.parse(readFileSync(file, "utf8"));
  writeFileSync(file, JSON.stringify({ ...note, owner: spawnSync("true").pid!, start: "1" }));
  assert.equal(killLeftoverCommands(stateDir), 0, "the start time differs, so it is not the same process");
  forget();
});
