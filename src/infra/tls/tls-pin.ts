import type { TLSSocket } from "node:tls";
import { normalizeTlsFingerprint, readCertificateFingerprint } from "./tls-fingerprint.js";
import type { TlsConfig } from "./tls-paths.js";

/** The presented leaf certificate's normalized SHA-256 fingerprint, or "" when there is none. */
export function peerFingerprint(socket: TLSSocket): string {
  return normalizeTlsFingerprint(socket.getPeerCertificate()?.fingerprint256 ?? "");
}

/** Null when the peer presents the pinned certificate; otherwise why not, naming both fingerprints. */
export function pinMismatch(socket: TLSSocket, expected: string): string | null {
  const want = normalizeTlsFingerprint(expected);
  const got = peerFingerprint(socket);
  if (want && got === want) return null;
  return `TLS certificate fingerprint mismatch: expected ${want || expected}, got ${got || "no certificate"}`;
}

/**
 * For loopback probes of this machine's gateway: undefined when gateway.tls is off, else a reader
 * of the pin from the public certificate file (read at probe time: the gateway may create it on start).
 * The reader yields "" while the certificate cannot be read, which must fail the probe.
 */
export function localTlsPin(tls: TlsConfig | undefined, stateDir: string): (() => string) | undefined {
  if (tls?.enabled !== true) return undefined;
  return () => {
    const result = readCertificateFingerprint(tls, stateDir);
    return result.ok ? result.fingerprint : "";
  };
}
