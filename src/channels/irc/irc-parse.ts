/** One IRC line: `[@tags] [:prefix] COMMAND [params...] [:trailing]` (RFC 1459 §2.3.1, IRCv3 message tags). */
export type IrcLine = {
  /** IRCv3 tags (`msgid`, `time` …), unescaped; empty without tags. */
  tags: Record<string, string>;
  /** The source: a server name or `nick!user@host`. */
  prefix?: string;
  /** Upper-cased word ("PRIVMSG") or a three-digit numeric ("001"). */
  command: string;
  /** Middle parameters, then the trailing one (if any) last. */
  params: string[];
};

/** The parts of a `nick!user@host` prefix; `user` and `host` are absent for a server or a bare nick. */
export type IrcSource = { nick: string; user?: string; host?: string };

const COMMAND = /^(?:[A-Za-z]+|\d{3})$/;
const TAG_ESCAPES: Record<string, string> = { ":": ";", s: " ", "\\": "\\", r: "\r", n: "\n" };

/** Parses one line (without CR LF); returns null for anything malformed, never throws. */
export function parseIrcLine(raw: string): IrcLine | null {
  let rest = raw.replace(/\r$/, "");
  const tags: Record<string, string> = {};
  if (rest.startsWith("@")) {
    const end = rest.indexOf(" ");
    if (end < 0) return null;
    for (const part of rest.slice(1, end).split(";")) {
      if (part === "") continue;
      const eq = part.indexOf("=");
      const key = eq < 0 ? part : part.slice(0, eq);
      if (key !== "") tags[key] = eq < 0 ? "" : unescapeTagValue(part.slice(eq + 1));
    }
    rest = rest.slice(end + 1).replace(/^ +/, "");
  }
  let prefix: string | undefined;
  if (rest.startsWith(":")) {
    const end = rest.indexOf(" ");
    if (end < 0) return null;
    prefix = rest.slice(1, end);
    if (prefix === "") return null;
    rest = rest.slice(end + 1).replace(/^ +/, "");
  }
  const params: string[] = [];
  let command: string | undefined;
  while (rest !== "") {
    if (command !== undefined && rest.startsWith(":")) {
      params.push(rest.slice(1));
      break;
    }
    const end = rest.indexOf(" ");
    const word = end < 0 ? rest : rest.slice(0, end);
    if (command === undefined) command = word;
    else params.push(word);
    rest = end < 0 ? "" : rest.slice(end + 1).replace(/^ +/, "");
  }
  if (command === undefined || !COMMAND.test(command)) return null;
  return { tags, ...(prefix !== undefined ? { prefix } : {}), command: command.toUpperCase(), params };
}

function unescapeTagValue(value: string): string {
  return value.replace(/\\(.?)/g, (_, ch: string) => TAG_ESCAPES[ch] ?? ch);
}

/** Splits a prefix into nick, user and host. */
export function parseSource(prefix: string): IrcSource {
  const at = prefix.indexOf("@");
  const beforeHost = at < 0 ? prefix : prefix.slice(0, at);
  const bang = beforeHost.indexOf("!");
  const nick = bang < 0 ? beforeHost : beforeHost.slice(0, bang);
  return {
    nick,
    ...(bang >= 0 ? { user: beforeHost.slice(bang + 1) } : {}),
    ...(at >= 0 ? { host: prefix.slice(at + 1) } : {}),
  };
}

/** A person's full `nick!user@host`; servers and services that send a bare name are not people. */
export function isUserSource(source: IrcSource): source is Required<IrcSource> {
  return source.nick !== "" && !!source.user && !!source.host;
}

/**
 * IRC's default case mapping (rfc1459): ASCII letters, and `[]\~` as the upper case of `{}|^`,
 * so `Bot[1]` and `bot{1}` are the same nick.
 */
export function ircLower(value: string): string {
  return value.replace(/[A-Z[\]\\~]/g, (ch) => (ch >= "A" && ch <= "Z" ? ch.toLowerCase() : ({ "[": "{", "]": "}", "\\": "|", "~": "^" })[ch]!));
}
