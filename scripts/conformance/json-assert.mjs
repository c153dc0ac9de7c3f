#!/usr/bin/env node
// Usage: node json-assert.mjs <file> <js-expression over `d`>
// Parses <file> as JSON (the whole file, or failing that the first top-level `{...}`/`[...]` block, so a
// heading such as "Gateway call: status" before the JSON is tolerated) and evaluates the expression with the
// parsed value bound to `d`. Exit 0 when the expression is truthy, 1 when falsy, 2 when the file is not JSON
// or the expression throws. A short reason is printed on stderr for 1 and 2.
import { readFileSync } from "node:fs";

const [file, expr] = process.argv.slice(2);
if (!file || !expr) {
  process.stderr.write("usage: json-assert.mjs <file> <expression>\n");
  process.exit(2);
}

function parseLoose(text) {
  try {
    return JSON.parse(text);
  } catch (firstError) {
    const start = text.search(/^[[{]/m);
    if (start < 0) throw firstError;
    const open = text[start];
    const close = open === "{" ? "}" : "]";
    const end = text.lastIndexOf(close);
    if (end <= start) throw firstError;
    return JSON.parse(text.slice(start, end + 1));
  }
}

let d;
try {
  d = parseLoose(readFileSync(file, "utf8"));
} catch (err) {
  process.stderr.write(`not JSON: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
}
let result;
try {
  result = new Function("d", `"use strict"; return (${expr});`)(d);
} catch (err) {
  process.stderr.write(`expression failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
}
if (!result) {
  process.stderr.write(`expected: ${expr}\n`);
  process.exit(1);
}
process.exit(0);
