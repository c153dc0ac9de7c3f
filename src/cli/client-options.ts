import type { Command } from "commander";

export type ClientFlags = { url?: string; port?: string; token?: string; password?: string; tlsFingerprint?: string; timeout?: string; json?: boolean };

/**
 * The shared RPC client options (operations spec §1.3). Kept apart from connection.ts so that
 * building the command tree does not load the WebSocket client, TLS or SSH code.
 */
export function addClientOptions(command: Command, defaultTimeoutMs = 10_000): Command {
  return command
    .option("--url <url>", "gateway WebSocket URL (config and env credentials are not used with --url)")
    .option("--port <port>", "target a local gateway on this port")
    .option("--token <token>", "gateway token")
    .option("--password <password>", "gateway password")
    .option("--tls-fingerprint <sha256>", "trust a wss:// gateway by its certificate's SHA-256 fingerprint (as `openclaw gateway status` prints it) instead of by CAs")
    .option("--timeout <ms>", "timeout in milliseconds", String(defaultTimeoutMs))
    .option("--json", "print machine-readable JSON");
}
