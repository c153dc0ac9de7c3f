import { test } from "node:test";
import assert from "node:assert/strict";
import { LinePacer } from "./irc-pacer.js";

test("a burst goes out at once, then one line per interval, in order", async () => {
  const written: Array<{ line: string; at: number }> = [];
  const started = Date.now();
  const pacer = new LinePacer((line) => void written.push({ line, at: Date.now() - started }), 3, 50);
  const sends = Array.from({ length: 6 }, (_, i) => pacer.push(`L${i}`));
  assert.equal(written.length, 3, "the burst is written synchronously");
  assert.equal(pacer.pending, 3);
  await Promise.all(sends);
  assert.deepEqual(written.map((w) => w.line), ["L0", "L1", "L2", "L3", "L4", "L5"]);
  assert.ok(written[5].at >= 140, `the last of 6 lines waits ~3 intervals, took ${written[5].at}ms`);
  for (let i = 4; i < 6; i++) assert.ok(written[i].at - written[i - 1].at >= 40, "paced lines are an interval apart");
});

test("tokens come back while idle, up to the burst", async () => {
  const written: string[] = [];
  const pacer = new LinePacer((line) => void written.push(line), 2, 30);
  await Promise.all([pacer.push("a"), pacer.push("b")]);
  await new Promise((r) => setTimeout(r, 200));
  void pacer.push("c");
  void pacer.push("d");
  const e = pacer.push("e").catch((err: Error) => err.message);
  assert.deepEqual(written, ["a", "b", "c", "d"], "no more than the burst after a long idle time");
  pacer.close(new Error("closed"));
  assert.equal(await e, "closed");
});

test("close rejects queued lines and refuses new ones; a failing write rejects only its line", async () => {
  let fail = false;
  const written: string[] = [];
  const pacer = new LinePacer((line) => {
    if (fail) throw new Error("socket gone");
    written.push(line);
  }, 1, 1000);
  await pacer.push("first");
  const queued = pacer.push("second");
  pacer.close(new Error("connection closed"));
  await assert.rejects(queued, /connection closed/);
  await assert.rejects(pacer.push("third"), /connection closed/);
  assert.deepEqual(written, ["first"]);

  const other = new LinePacer(() => {
    if (fail) throw new Error("socket gone");
  }, 5, 10);
  fail = true;
  await assert.rejects(other.push("x"), /socket gone/);
});
