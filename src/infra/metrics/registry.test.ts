import { test } from "node:test";
import assert from "node:assert/strict";
import { labelValue, MetricsRegistry } from "./registry.js";

test("counters, gauges and histograms render in the text format, label values escaped, buckets cumulative", () => {
  const r = new MetricsRegistry();
  const c = r.counter("x_total", "Things.", ["kind"]);
  c.inc(['a"b\\c\nd']);
  c.inc(['a"b\\c\nd'], 2);
  r.gauge("x_now", "Now.").set([], 1.5);
  const h = r.histogram("x_seconds", "Time.", ["op"], [0.1, 1]);
  h.observe(["get"], 0.05);
  h.observe(["get"], 0.5);
  h.observe(["get"], 5);
  const text = r.render();
  assert.match(text, /^# HELP x_total Things\.\n# TYPE x_total counter\nx_total\{kind="a\\"b\\\\c\?d"\} 3$/m, "quotes and backslashes escaped, a newline replaced");
  assert.match(text, /^x_now 1\.5$/m);
  assert.match(text, /^x_seconds_bucket\{op="get",le="0\.1"\} 1$/m);
  assert.match(text, /^x_seconds_bucket\{op="get",le="1"\} 2$/m);
  assert.match(text, /^x_seconds_bucket\{op="get",le="\+Inf"\} 3$/m);
  assert.match(text, /^x_seconds_sum\{op="get"\} 5\.55$/m);
  assert.match(text, /^x_seconds_count\{op="get"\} 3$/m);
  assert.ok(text.endsWith("\n"));
});

test("past the series cap new series are dropped and counted, existing ones keep counting", () => {
  const r = new MetricsRegistry(3);
  const c = r.counter("y_total", "Y.", ["k"]);
  for (let i = 0; i < 10; i++) c.inc([`v${i}`]);
  c.inc(["v0"]);
  const text = r.render();
  assert.equal(r.series, 3);
  assert.match(text, /^y_total\{k="v0"\} 2$/m);
  assert.doesNotMatch(text, /k="v3"/);
  assert.match(text, /^openclaw_prometheus_series_dropped_total 7$/m);
});

test("label values are short and printable; empty means none", () => {
  assert.equal(labelValue(""), "none");
  assert.equal(labelValue(undefined), "none");
  assert.equal(labelValue("é\u0000x"), "??x");
  assert.equal(labelValue("a".repeat(100)).length, 64);
});

test("collectors run before each render", () => {
  const r = new MetricsRegistry();
  const g = r.gauge("z", "Z.");
  let n = 0;
  r.collect(() => g.set([], ++n));
  assert.match(r.render(), /^z 1$/m);
  assert.match(r.render(), /^z 2$/m);
});
