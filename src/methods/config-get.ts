import { promises as fsp } from "node:fs";
import { Scope } from "../protocol/scopes.js";
import { collectSecrets, redactConfig, redactText } from "../config/redact.js";
import { snapshotFromText } from "../config/snapshot.js";
import { defineMethod, EmptyParams } from "./registry.js";

async function readIfExists(path: string): Promise<string | null> {
  try {
    return await fsp.readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}

/** The config file as it is on disk now, secrets redacted, plus the hash of the config the gateway runs. */
export const configGetMethod = defineMethod({
  name: "config.get",
  scope: Scope.read,
  params: EmptyParams,
  async handler({ gateway }) {
    const applied = gateway.config();
    const disk = snapshotFromText(applied.path, await readIfExists(applied.path));
    const secrets = collectSecrets(disk.parsed);
    const redacted = redactConfig(disk.parsed);
    return {
      path: disk.path,
      includedPaths: disk.includedPaths,
      exists: disk.exists,
      raw: disk.raw === null ? null : redactText(disk.raw, secrets),
      parsed: redacted,
      sourceConfig: redacted,
      resolved: redactConfig(disk.config),
      valid: disk.valid,
      runtimeConfig: redactConfig(applied.config),
      config: redacted,
      hash: disk.hash,
      issues: disk.issues,
      warnings: [],
      legacyIssues: [],
      configRevisionHash: disk.hash,
      appliedConfigHash: applied.hash,
    };
  },
});
