import { test } from "node:test";
import assert from "node:assert/strict";
import { redactCommandText } from "./command-redaction.js";

test("values of secret-looking names and known token shapes are masked; the rest of the command stays", () => {
  const text = redactCommandText("GITHUB_TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123 deploy --api-key='k3y-value' --password=hunter2 --env=prod -H 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload'");
  for (const secret of ["abcdefghijklmnop", "k3y-value", "hunter2", "eyJhbGciOiJIUzI1NiJ9.payload"]) assert.ok(!text.includes(secret), `${secret} in ${text}`);
  assert.match(text, /^GITHUB_TOKEN=\S+ deploy --api-key=\S+ --password=\S+ --env=prod -H 'Authorization: Bearer /);
  assert.equal(redactCommandText("tool a && other b"), "tool a && other b");
  assert.ok(!redactCommandText("curl -d x sk-live1234567890abcdef").includes("1234567890abcdef"));
});
