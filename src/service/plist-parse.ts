/**
 * A small XML property-list reader: enough for LaunchAgents (dict, array, string, integer, real,
 * true/false, date, data). Used to compare an installed plist with the current configuration.
 */
export type PlistValue = string | number | boolean | PlistValue[] | { [key: string]: PlistValue };

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decodeXml(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-z]+);/g, (whole, ref: string) => {
    if (ref.startsWith("#x")) return String.fromCodePoint(parseInt(ref.slice(2), 16));
    if (ref.startsWith("#")) return String.fromCodePoint(parseInt(ref.slice(1), 10));
    return ENTITIES[ref] ?? whole;
  });
}

type Token = { kind: "open" | "close" | "empty"; name: string } | { kind: "text"; text: string };

function tokenize(xml: string): Token[] {
  const tokens: Token[] = [];
  const body = xml.replace(/<\?[\s\S]*?\?>/g, "").replace(/<!DOCTYPE[\s\S]*?>/i, "").replace(/<!--[\s\S]*?-->/g, "");
  const re = /<(\/?)([A-Za-z][\w-]*)[^>]*?(\/?)>|([^<]+)/g;
  for (let m = re.exec(body); m; m = re.exec(body)) {
    if (m[4] !== undefined) tokens.push({ kind: "text", text: m[4] });
    else if (m[1]) tokens.push({ kind: "close", name: m[2] });
    else tokens.push({ kind: m[3] ? "empty" : "open", name: m[2] });
  }
  return tokens;
}

export function parsePlist(xml: string): PlistValue {
  const tokens = tokenize(xml);
  let pos = 0;
  const skipBlank = () => {
    while (pos < tokens.length) {
      const t = tokens[pos];
      if (t.kind === "text" && t.text.trim() === "") pos++;
      else break;
    }
  };
  const textUntilClose = (name: string): string => {
    let text = "";
    while (pos < tokens.length) {
      const t = tokens[pos++];
      if (t.kind === "text") text += t.text;
      else if (t.kind === "close" && t.name === name) return decodeXml(text);
      else throw new Error(`plist: unexpected <${t.name}> inside <${name}>`);
    }
    throw new Error(`plist: unterminated <${name}>`);
  };
  const value = (): PlistValue => {
    skipBlank();
    const t = tokens[pos++];
    if (!t || t.kind === "text") throw new Error("plist: expected an element");
    if (t.kind === "close") throw new Error(`plist: unexpected </${t.name}>`);
    if (t.kind === "empty") {
      if (t.name === "true") return true;
      if (t.name === "false") return false;
      if (t.name === "string" || t.name === "data") return "";
      if (t.name === "array") return [];
      if (t.name === "dict") return {};
      throw new Error(`plist: unsupported <${t.name}/>`);
    }
    switch (t.name) {
      case "string":
      case "date":
      case "data":
        return textUntilClose(t.name);
      case "integer":
      case "real": {
        const n = Number(textUntilClose(t.name).trim());
        if (!Number.isFinite(n)) throw new Error(`plist: bad <${t.name}>`);
        return n;
      }
      case "array": {
        const items: PlistValue[] = [];
        for (;;) {
          skipBlank();
          const next = tokens[pos];
          if (next && next.kind === "close" && next.name === "array") {
            pos++;
            return items;
          }
          items.push(value());
        }
      }
      case "dict": {
        const dict: { [key: string]: PlistValue } = {};
        for (;;) {
          skipBlank();
          const next = tokens[pos++];
          if (!next) throw new Error("plist: unterminated <dict>");
          if (next.kind === "close" && next.name === "dict") return dict;
          if (next.kind !== "open" || next.name !== "key") throw new Error("plist: expected <key> in <dict>");
          const k = textUntilClose("key");
          dict[k] = value();
        }
      }
      case "true":
      case "false": {
        textUntilClose(t.name);
        return t.name === "true";
      }
      default:
        throw new Error(`plist: unsupported <${t.name}>`);
    }
  };
  skipBlank();
  const root = tokens[pos];
  if (root && root.kind === "open" && root.name === "plist") {
    pos++;
    const v = value();
    skipBlank();
    const close = tokens[pos];
    if (!close || close.kind !== "close" || close.name !== "plist") throw new Error("plist: expected </plist>");
    return v;
  }
  return value();
}

/** What an installed LaunchAgent runs, in the same shape as a parsed systemd unit. */
export type InstalledLaunchAgent = {
  file: string;
  label?: string;
  programArguments: string[];
  workingDirectory?: string;
  environment: Record<string, string>;
};

export function interpretLaunchAgent(file: string, xml: string): InstalledLaunchAgent {
  const root = parsePlist(xml);
  if (!root || typeof root !== "object" || Array.isArray(root)) throw new Error("plist: root is not a dict");
  const args = Array.isArray(root.ProgramArguments) ? root.ProgramArguments.filter((a): a is string => typeof a === "string") : [];
  if (args.length === 0 && typeof root.Program === "string") args.push(root.Program);
  const envDict = root.EnvironmentVariables;
  const environment: Record<string, string> = {};
  if (envDict && typeof envDict === "object" && !Array.isArray(envDict)) {
    for (const [k, v] of Object.entries(envDict)) if (typeof v === "string") environment[k] = v;
  }
  return {
    file,
    ...(typeof root.Label === "string" ? { label: root.Label } : {}),
    programArguments: args,
    ...(typeof root.WorkingDirectory === "string" ? { workingDirectory: root.WorkingDirectory } : {}),
    environment,
  };
}
