import { readFileSync } from "node:fs";
import { X509Certificate } from "node:crypto";
import { resolveTlsCertPath, type TlsConfig } from "./tls-paths.js";

export type CertificateFingerprintResult =
  | { ok: true; fingerprint: string; certPath: string }
  | { ok: false; error: string };

/** `sha256:AB:CD…`, `AB:CD…` or plain hex in any case → lowercase 64-hex; "" when it is not a SHA-256 fingerprint. */
export function normalizeTlsFingerprint(input: unknown): string {
  if (typeof input !== "string") return "";
  const hex = input.trim().replace(/^sha-?256:/i, "").replace(/[:\s]/g, "").toLowerCase();
  return /^[0-9a-f]{64}$/.test(hex) ? hex : "";
}

/** SHA-256 of the DER form of the first certificate in `pem`, normalized; throws on a non-certificate. */
export function certificateFingerprint(pem: string | Buffer): string {
  const fingerprint = normalizeTlsFingerprint(new X509Certificate(pem).fingerprint256);
  if (!fingerprint) throw new Error("unable to compute the certificate's SHA-256 fingerprint");
  return fingerprint;
}

/** Reads only the public certificate (never the key), so it works with the gateway stopped and without secrets. */
export function readCertificateFingerprint(tls: TlsConfig | undefined, stateDir: string): CertificateFingerprintResult {
  if (tls?.enabled !== true) return { ok: false, error: "gateway TLS is disabled (gateway.tls.enabled is not true)" };
  const certPath = resolveTlsCertPath(tls, stateDir);
  let pem: Buffer;
  try {
    pem = readFileSync(certPath);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : String((error as Error).message ?? error);
    return { ok: false, error: `gateway TLS certificate ${certPath} cannot be read (${reason}); start the gateway to generate it or set gateway.tls.certPath` };
  }
  try {
    return { ok: true, fingerprint: certificateFingerprint(pem), certPath };
  } catch (error) {
    return { ok: false, error: `gateway TLS certificate ${certPath} is not a valid PEM certificate (${(error as Error).message})` };
  }
}
