export type SshFailureKind = "host_key" | "auth" | "refused" | "timeout" | "not_found" | "other";

/** Why an SSH tunnel did not come up; `message` says what to do about it. */
export class SshTunnelError extends Error {
  constructor(readonly kind: SshFailureKind, message: string, readonly stderr = "") {
    super(message);
  }
}

/** The last non-empty line ssh wrote to stderr (its final word on what went wrong). */
export function lastStderrLine(stderr: string): string {
  const lines = stderr.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  return lines[lines.length - 1] ?? "";
}

export function classifySshStderr(stderr: string): SshFailureKind {
  if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No (?:ED25519|RSA|ECDSA|\w+) host key is known|host key for .* has changed/i.test(stderr)) return "host_key";
  if (/Permission denied|Too many authentication failures|no matching (?:host key|key exchange)|Authentication failed/i.test(stderr)) return "auth";
  if (/Connection refused/i.test(stderr)) return "refused";
  if (/timed out/i.test(stderr)) return "timeout";
  return "other";
}

/** Turns ssh's exit (or our timeout) into an error that names the target and the fix. */
export function sshFailure(target: string, stderr: string, exit: { code?: number | null; signal?: string | null; timedOutMs?: number }): SshTunnelError {
  const kind = exit.timedOutMs !== undefined && classifySshStderr(stderr) === "other" ? "timeout" : classifySshStderr(stderr);
  const last = lastStderrLine(stderr).replace(/^ssh:\s*/, "");
  const detail = last ? ` (ssh: ${last})` : "";
  const error = (message: string) => new SshTunnelError(kind, message, stderr);
  switch (kind) {
    case "host_key":
      return error(`host key verification failed for ${target}${detail}. Check the server's key and add it to known_hosts (connect once with ssh and confirm it, or use ssh-keyscan), or set gateway.remote.sshHostKeyPolicy to "openssh" to use your OpenSSH settings.`);
    case "auth":
      return error(`SSH authentication to ${target} failed${detail}. Check --ssh-identity / gateway.remote.sshIdentity and that the key is in the server's authorized_keys.`);
    case "refused":
      return error(`SSH connection to ${target} was refused${detail}. Is sshd running there, and is the port right?`);
    case "timeout":
      return error(`SSH connection to ${target} timed out${exit.timedOutMs !== undefined ? ` after ${exit.timedOutMs}ms` : ""}${detail}. Check the host name, port and network.`);
    default: {
      const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code ?? "?"}`;
      return error(`ssh to ${target} ${how}${detail}.`);
    }
  }
}
