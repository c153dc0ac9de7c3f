#!/usr/bin/env node
// Usage: node jsonl-wait.mjs <file> <js-expression over `e`> [timeout ms, default 5000]
// Re-reads <file> (JSON lines, as written by telegram-stand-in.mjs) until one line parses to a value for which
// the expression is truthy; prints that line on stdout and exits 0. Exits 1 when none matched within the
// timeout, 2 when the expression throws. Lines that are not JSON are skipped.
import { readFileSync } from "node:fs";

const [file, expr, timeoutArg] = process.argv.slice(2);
if (!file || !expr) {
  process.stderr.write("usage: jsonl-wait.mjs <file> <expression> [timeout ms]\n");
  process.exit(2);
}
const timeoutMs = Number(timeoutArg ?? 5000);
let test;
try {
  test = new Function("e", `"use strict"; return (${expr});`);
} catch (err) {
  process.stderr.write(`bad expression: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
}

function find() {
  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    let e;
    try {
      e = JSON.parse(line);
    } catch {
      continue;
    }
    try {
      if (test(e)) return line;
    } catch (err) {
      process.stderr.write(`expression failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(2);
    }
  }
  return undefined;
}

const deadline = Date.now() + timeoutMs;
for (;;) {
  const line = find();
  if (line !== undefined) {
    process.stdout.write(`${line}\n`);
    process.exit(0);
  }
  if (Date.now() >= deadline) break;
  await new Promise((r) => setTimeout(r, 50));
}
process.stderr.write(`no line of ${file} matched within ${timeoutMs} ms: ${expr}\n`);
process.exit(1);
