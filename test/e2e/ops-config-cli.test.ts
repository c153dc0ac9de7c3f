/**
 * `openclaw config get|set|unset|validate` against a commented config file (operations.md §2.2, §3.4
 * CLI hints): comments survive edits, the reload hint matches the rule table, invalid values exit 78
 * without touching the file, an absent path cannot be unset, and validate names the dotted path.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import JSON5 from "json5";
import { dump, fileMode, makeSandbox, runOpenclaw, useProcessCleanup } from "./process-harness.js";

useProcessCleanup({ eachTest: true });

function commentedConfig(logFile: string): string {
  return [
    "// top comment: keep me",
    "{",
    "  // gateway section comment",
    '  "gateway": {',
    '    "mode": "local", // inline comment',
    '    "port": 18789,',
    '    "auth": { "mode": "token", "token": "cli-secret-token" }',
    "  },",
    "  /* block comment */",
    `  "logging": { "file": ${JSON.stringify(logFile)} }`,
    "}",
    "",
  ].join("\n");
}

const COMMENTS = ["// top comment: keep me", "// gateway section comment", "// inline comment", "/* block comment */"];

describe("openclaw config CLI", () => {
  test("set keeps comments and prints the reload hint; invalid values exit 78; unset of an absent path exits 1", async () => {
    const sb = makeSandbox();
    sb.writeConfig(commentedConfig(sb.logFile));

    // Hot-applicable path.
    const hot = await runOpenclaw(["config", "set", "gateway.controlUi.allowedOrigins", '["http://x"]'], sb.env);
    assert.equal(hot.code, 0, dump(hot));
    assert.match(hot.stdout, /Change will apply without restarting the gateway\./, dump(hot));
    let text = readFileSync(sb.configPath, "utf8");
    for (const comment of COMMENTS) assert.ok(text.includes(comment), `comment ${comment} kept:\n${text}`);
    assert.deepEqual(JSON5.parse(text).gateway.controlUi.allowedOrigins, ["http://x"]);
    assert.equal(hot.stderr.includes("could not be kept"), false, dump(hot));
    assert.equal(fileMode(sb.configPath), 0o600);

    const get = await runOpenclaw(["config", "get", "gateway.controlUi.allowedOrigins", "--json"], sb.env);
    assert.equal(get.code, 0, dump(get));
    assert.deepEqual(JSON.parse(get.stdout), ["http://x"]);

    // Restart-requiring path.
    const restart = await runOpenclaw(["config", "set", "gateway.port", "12345"], sb.env);
    assert.equal(restart.code, 0, dump(restart));
    assert.match(restart.stdout, /Restart the gateway to apply\./, dump(restart));
    text = readFileSync(sb.configPath, "utf8");
    assert.equal(JSON5.parse(text).gateway.port, 12345);
    for (const comment of COMMENTS) assert.ok(text.includes(comment), `comment ${comment} kept after the second edit:\n${text}`);

    // Setting the same value again changes nothing.
    const same = await runOpenclaw(["config", "set", "gateway.port", "12345"], sb.env);
    assert.equal(same.code, 0, dump(same));
    assert.match(same.stdout, /No change/);
    assert.equal(readFileSync(sb.configPath, "utf8"), text);

    // "abc" is taken as a string, which gateway.port does not accept: exit 78, file unchanged.
    const bad = await runOpenclaw(["config", "set", "gateway.port", "abc"], sb.env);
    assert.equal(bad.code, 78, dump(bad));
    assert.match(bad.stderr, /gateway\.port/, dump(bad));
    assert.equal(readFileSync(sb.configPath, "utf8"), text, "a rejected set leaves the file byte-identical");

    // Unset of an absent path: exit 1, file unchanged.
    const absent = await runOpenclaw(["config", "unset", "gateway.controlUi.doesNotExist"], sb.env);
    assert.equal(absent.code, 1, dump(absent));
    assert.match(absent.stderr, /Config path not found: gateway\.controlUi\.doesNotExist/);
    assert.equal(readFileSync(sb.configPath, "utf8"), text);

    // Unset of a present path works and keeps comments.
    const unset = await runOpenclaw(["config", "unset", "gateway.controlUi.allowedOrigins"], sb.env);
    assert.equal(unset.code, 0, dump(unset));
    assert.match(unset.stdout, /Change will apply without restarting the gateway\./, dump(unset));
    text = readFileSync(sb.configPath, "utf8");
    assert.equal(JSON5.parse(text).gateway.controlUi?.allowedOrigins, undefined);
    for (const comment of COMMENTS) assert.ok(text.includes(comment), `comment ${comment} kept after unset:\n${text}`);
    assert.equal(fileMode(sb.configPath), 0o600);

    const valid = await runOpenclaw(["config", "validate"], sb.env);
    assert.equal(valid.code, 0, dump(valid));
    assert.match(valid.stdout, /Config valid/);
  });

  test("config validate exits 78 on an invalid file and lists the dotted paths", async () => {
    const sb = makeSandbox();
    const invalid = `{ gateway: { mode: "local", port: "abc", auth: { mode: "token", token: "t", bogusKey: 1 } } }\n`;
    sb.writeConfig(invalid);

    const res = await runOpenclaw(["config", "validate"], sb.env);
    assert.equal(res.code, 78, dump(res));
    assert.match(res.stderr, /Invalid config at /);
    assert.match(res.stderr, /gateway\.port/, dump(res));
    assert.match(res.stderr, /gateway\.auth/, dump(res));

    const json = await runOpenclaw(["config", "validate", "--json"], sb.env);
    assert.equal(json.code, 78, dump(json));
    const body = JSON.parse(json.stdout);
    assert.equal(body.valid, false);
    assert.ok(
      body.issues.some((i: { path: string }) => i.path === "gateway.port"),
      `issues should name gateway.port: ${JSON.stringify(body.issues)}`,
    );

    // Writes refuse to build on an invalid file (exit 78, file unchanged).
    const set = await runOpenclaw(["config", "set", "gateway.bind", "loopback"], sb.env);
    assert.equal(set.code, 78, dump(set));
    assert.equal(readFileSync(sb.configPath, "utf8"), invalid);
  });

  test("$include and writes (§2.3): an include array fails closed; a single-file top-level include receives the write", async () => {
    const sb = makeSandbox();
    const loggingPath = join(sb.stateDir, "logging.json5");
    const extraA = join(sb.stateDir, "a.json5");
    const extraB = join(sb.stateDir, "b.json5");
    writeFileSync(loggingPath, `{ level: "info" }\n`, { mode: 0o600 });
    writeFileSync(extraA, `{ allowedOrigins: ["https://a.example.test"] }\n`, { mode: 0o600 });
    writeFileSync(extraB, `{ enabled: true }\n`, { mode: 0o600 });
    const root = `{ gateway: { mode: "local", port: 18789, controlUi: { $include: ["./a.json5", "./b.json5"] } }, logging: { $include: "./logging.json5" } }\n`;
    sb.writeConfig(root);

    // A section built from an include array: ambiguous, so the write fails closed and touches nothing.
    const ambiguous = await runOpenclaw(["config", "set", "gateway.controlUi.enabled", "false"], sb.env);
    assert.notEqual(ambiguous.code, 0, dump(ambiguous));
    assert.equal(readFileSync(sb.configPath, "utf8"), root);
    assert.equal(readFileSync(extraB, "utf8"), `{ enabled: true }\n`);

    // A top-level section backed by one included file: the write goes to that file, the root stays as is.
    const res = await runOpenclaw(["config", "set", "logging.level", "debug"], sb.env);
    assert.equal(res.code, 0, `operations.md §2.3: a write to a top-level section backed by a single-file include goes to that file\n${dump(res)}`);
    assert.equal(JSON5.parse(readFileSync(loggingPath, "utf8")).level, "debug");
    assert.equal(readFileSync(sb.configPath, "utf8"), root, "the root file keeps its $include");
  });
});

