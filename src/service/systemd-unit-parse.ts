import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** One `Key=value` line of a unit file, continuation lines joined. */
export type UnitEntry = { section: string; key: string; value: string };

/** Splits a unit file into entries; comments (`#`, `;`) and blank lines are dropped. */
export function parseUnitFile(text: string): UnitEntry[] {
  const entries: UnitEntry[] = [];
  let section = "";
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i].trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    while (line.endsWith("\\") && i + 1 < lines.length) {
      const next = lines[++i].trim();
      if (next.startsWith("#") || next.startsWith(";")) continue;
      line = line.slice(0, -1) + " " + next;
    }
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      section = header[1];
      continue;
    }
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    entries.push({ section, key: line.slice(0, eq).trim(), value: line.slice(eq + 1).trim() });
  }
  return entries;
}

const C_ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", s: " ", a: "\x07", b: "\b", f: "\f", v: "\v", "\\": "\\", '"': '"', "'": "'" };

/**
 * Splits a unit value into words the way systemd does: whitespace separates, double or single
 * quotes group, backslash escapes are C-style. `%%` becomes `%`; in ExecStart `$$` becomes `$`.
 */
export function splitUnitWords(value: string, opts: { execStart?: boolean } = {}): string[] {
  const words: string[] = [];
  let current = "";
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (ch === "\\" && i + 1 < value.length) {
      const next = value[++i];
      if (next === "x" && /^[0-9a-fA-F]{2}$/.test(value.slice(i + 1, i + 3))) {
        current += String.fromCharCode(parseInt(value.slice(i + 1, i + 3), 16));
        i += 2;
      } else current += C_ESCAPES[next] ?? next;
      inWord = true;
      continue;
    }
    if (quote) {
      if (ch === quote) quote = null;
      else current += ch;
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
      continue;
    }
    if (/\s/.test(ch)) {
      if (inWord) words.push(current);
      current = "";
      inWord = false;
      continue;
    }
    current += ch;
    inWord = true;
  }
  if (inWord) words.push(current);
  return words.map((w) => {
    let out = w.replace(/%%/g, "%");
    if (opts.execStart) out = out.replace(/\$\$/g, "$");
    return out;
  });
}

/** Parses `KEY=VALUE` lines of an EnvironmentFile (comments, `export`, quotes allowed). */
export function parseEnvironmentFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim().replace(/^export\s+/, "");
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    let value = line.slice(eq + 1).trim();
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0])) {
      value = value[0] === '"' ? value.slice(1, -1).replace(/\\(["\\$`])/g, "$1") : value.slice(1, -1);
    }
    env[line.slice(0, eq).trim()] = value;
  }
  return env;
}

/** What an installed unit (plus its drop-ins and EnvironmentFiles) would actually run. */
export type InstalledSystemdUnit = {
  file: string;
  description?: string;
  programArguments: string[];
  workingDirectory?: string;
  environment: Record<string, string>;
  environmentFiles: string[];
  dropIns: string[];
  /** Drop-ins that replace ExecStart or WorkingDirectory (the definition is then not ours to manage). */
  overridingDropIns: string[];
  generated: boolean;
};

function applyEntries(unit: InstalledSystemdUnit, entries: UnitEntry[], isDropIn: boolean, dropIn: string): void {
  for (const { section, key, value } of entries) {
    if (section === "Unit" && key === "Description") unit.description = value.replace(/%%/g, "%");
    if (section !== "Service") continue;
    if (key === "ExecStart") {
      if (isDropIn && !unit.overridingDropIns.includes(dropIn)) unit.overridingDropIns.push(dropIn);
      // An empty assignment resets the list; a unit of Type=simple keeps one command.
      unit.programArguments = value === "" ? [] : splitUnitWords(value, { execStart: true });
      const first = unit.programArguments[0];
      if (first) unit.programArguments[0] = first.replace(/^[-@:+!]+/, "");
    } else if (key === "WorkingDirectory") {
      if (isDropIn && !unit.overridingDropIns.includes(dropIn)) unit.overridingDropIns.push(dropIn);
      unit.workingDirectory = value.replace(/^-/, "").replace(/%%/g, "%");
    } else if (key === "Environment") {
      if (value === "") unit.environment = {};
      for (const word of splitUnitWords(value)) {
        const eq = word.indexOf("=");
        if (eq > 0) unit.environment[word.slice(0, eq)] = word.slice(eq + 1);
      }
    } else if (key === "EnvironmentFile") {
      if (value === "") unit.environmentFiles = [];
      else unit.environmentFiles.push(value.replace(/%%/g, "%"));
    }
  }
}

/** Interprets a unit's text (no drop-ins, EnvironmentFiles not read). */
export function interpretSystemdUnit(file: string, text: string): InstalledSystemdUnit {
  const unit: InstalledSystemdUnit = {
    file, programArguments: [], environment: {}, environmentFiles: [], dropIns: [], overridingDropIns: [],
    generated: text.includes("# Generated by openclaw gateway install"),
  };
  applyEntries(unit, parseUnitFile(text), false, "");
  return unit;
}

/**
 * Reads an installed unit the way systemd would see it: the unit file, then `<unit>.d/*.conf`
 * drop-ins in name order, then the EnvironmentFiles (whose values override `Environment=`).
 * Returns null when the unit file does not exist.
 */
export function readInstalledSystemdUnit(file: string): InstalledSystemdUnit | null {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return null;
  }
  const unit = interpretSystemdUnit(file, text);
  const dropInDir = `${file}.d`;
  if (existsSync(dropInDir)) {
    let names: string[] = [];
    try {
      names = readdirSync(dropInDir).filter((n) => n.endsWith(".conf")).sort();
    } catch {}
    for (const name of names) {
      const path = join(dropInDir, name);
      try {
        applyEntries(unit, parseUnitFile(readFileSync(path, "utf8")), true, path);
        unit.dropIns.push(path);
      } catch {}
    }
  }
  for (const spec of unit.environmentFiles) {
    try {
      Object.assign(unit.environment, parseEnvironmentFile(readFileSync(spec.replace(/^-/, ""), "utf8")));
    } catch {}
  }
  return unit;
}
