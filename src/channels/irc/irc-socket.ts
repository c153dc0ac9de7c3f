import { isIP, connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";

export type DialOptions = { host: string; port: number; tls: boolean; tlsInsecure: boolean };

/**
 * Opens a TCP or TLS socket to the server; `ready` is the event that means it may be written to
 * ("connect", or "secureConnect" once the certificate checked out).
 */
export function dial(opts: DialOptions): { socket: Socket; ready: "connect" | "secureConnect" } {
  if (opts.tls) {
    const socket = tlsConnect({
      host: opts.host,
      port: opts.port,
      ...(isIP(opts.host) ? {} : { servername: opts.host }),
      rejectUnauthorized: !opts.tlsInsecure,
    });
    return { socket, ready: "secureConnect" };
  }
  return { socket: netConnect({ host: opts.host, port: opts.port }), ready: "connect" };
}

const CERT_ERRORS = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|HOSTNAME|ALTNAME/;

/** A socket error as one line that says what to do about it. */
export function describeSocketError(err: NodeJS.ErrnoException, opts: DialOptions): string {
  const where = `${opts.host}:${opts.port}`;
  switch (err.code) {
    case "ECONNREFUSED":
      return `IRC connection to ${where} refused (is the server running, is the port right?)`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `IRC server host not found: ${opts.host}`;
    case "ECONNRESET":
      return `IRC connection to ${where} reset by the server`;
    case "ETIMEDOUT":
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return `IRC server ${where} unreachable (${err.code})`;
  }
  if (opts.tls && CERT_ERRORS.test(String(err.code ?? err.message))) {
    return `TLS certificate of ${where} rejected: ${err.message} (set tlsInsecure: true to accept a self-signed certificate)`;
  }
  if (opts.tls && /SSL|TLS|wrong version/i.test(err.message)) {
    return `TLS handshake with ${where} failed: ${err.message} (is ${opts.port} a TLS port?)`;
  }
  return `IRC connection to ${where} failed: ${err.message}`;
}
