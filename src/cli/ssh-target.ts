export type SshTarget = { user?: string; host: string; port: number };

/** Whitespace or control characters would let a target smuggle extra words into ssh's argv. */
const UNSAFE = /[\s\x00-\x1f\x7f]/;

function invalid(raw: string, why: string): Error {
  return new Error(`Invalid SSH target "${raw}": ${why}. Use user@host or user@host:port (e.g. admin@gateway.example:22).`);
}

/**
 * Parses `user@host`, `user@host:port`, `host`, or `user@[v6]:port`. Anything that could be read
 * as an ssh option (a leading "-") or that holds whitespace is refused, so a configured target can
 * never add options to the ssh command line.
 */
export function parseSshTarget(raw: string): SshTarget {
  const text = raw.trim();
  if (!text) throw invalid(raw, "it is empty");
  if (UNSAFE.test(text)) throw invalid(raw, "it contains whitespace or control characters");
  const at = text.lastIndexOf("@");
  const user = at >= 0 ? text.slice(0, at) : undefined;
  const hostPort = at >= 0 ? text.slice(at + 1) : text;
  if (user !== undefined && (!user || user.startsWith("-") || user.includes("@"))) throw invalid(raw, "the user name is missing or starts with '-'");

  let host = hostPort;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(hostPort);
  if (bracketed) {
    host = bracketed[1];
    portText = bracketed[2];
  } else if (hostPort.split(":").length === 2) {
    [host, portText] = hostPort.split(":");
  }
  if (!host || host.startsWith("-")) throw invalid(raw, "the host is missing or starts with '-'");
  let port = 22;
  if (portText !== undefined) {
    port = Number(portText);
    if (!/^\d{1,5}$/.test(portText) || port < 1 || port > 65535) throw invalid(raw, `"${portText}" is not a port (1-65535)`);
  }
  return { ...(user ? { user } : {}), host, port };
}

export function formatSshTarget(target: SshTarget): string {
  const host = target.host.includes(":") ? `[${target.host}]` : target.host;
  return `${target.user ? `${target.user}@` : ""}${host}${target.port === 22 ? "" : `:${target.port}`}`;
}
