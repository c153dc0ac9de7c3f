import { isIP, type Socket } from "node:net";
import { connect, type ConnectionOptions, type TLSSocket } from "node:tls";
import type { ClientOptions as WsClientOptions } from "ws";
import { peerFingerprint, pinMismatch } from "../infra/tls/tls-pin.js";

export type CreateConnection = NonNullable<WsClientOptions["createConnection"]>;

/**
 * Why the presented certificate is not acceptable, or null. With a pin only the leaf's SHA-256
 * matters (a self-signed gateway certificate has no CA to vouch for it); without one the usual CA
 * and host-name verification must have passed.
 */
export function certificateProblem(socket: TLSSocket, pin: string | undefined, host: string): string | null {
  if (pin) {
    const mismatch = pinMismatch(socket, pin);
    return mismatch && `${mismatch}. The gateway at ${host} presented a different certificate than the pinned one: if it was replaced on purpose, pin the new fingerprint (--tls-fingerprint or gateway.remote.tlsFingerprint); otherwise do not connect, the connection may be intercepted.`;
  }
  if (socket.authorized) return null;
  const reason = String(socket.authorizationError ?? "certificate not trusted");
  const selfSigned = /SELF_SIGNED|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT/.test(reason);
  const fingerprint = peerFingerprint(socket) || "unknown";
  return selfSigned
    ? `TLS certificate of ${host} is not trusted (${reason}): it looks self-signed, SHA-256 fingerprint ${fingerprint}. If this is your gateway's certificate (its start-up log prints the fingerprint), pin it with --tls-fingerprint ${fingerprint} or gateway.remote.tlsFingerprint.`
    : `TLS certificate of ${host} is not trusted (${reason}; SHA-256 fingerprint ${fingerprint}). Fix the certificate, or pin this fingerprint with --tls-fingerprint if you know it is the gateway's.`;
}

/**
 * A `createConnection` for the ws client: completes the TLS handshake, then checks the certificate
 * (pin or CA) before the WebSocket upgrade is answered or any credential is sent. A refusal
 * destroys the socket and is reported through `onRefused`.
 */
export function verifyingTlsConnector(pin: string | undefined, onRefused: (message: string) => void): CreateConnection {
  // ws calls it with the request options (host, port, servername, ...), never with a port number.
  const connector = (options: ConnectionOptions & { host?: string }): Socket => {
    const host = options.host ?? "localhost";
    const socket = connect({
      ...options,
      path: undefined,
      servername: options.servername ?? (isIP(host) ? "" : host),
      rejectUnauthorized: false,
    } as ConnectionOptions);
    socket.once("secureConnect", () => {
      const problem = certificateProblem(socket, pin, host);
      if (!problem) return;
      onRefused(problem);
      socket.destroy(new Error(problem));
    });
    return socket;
  };
  return connector as CreateConnection;
}
