import { X509Certificate, createPrivateKey } from "node:crypto";
import { existsSync, promises as fsp } from "node:fs";
import { createSecureContext, type SecureContextOptions } from "node:tls";
import { certificateFingerprint } from "./tls-fingerprint.js";
import { generateSelfSignedPair } from "./tls-generate.js";
import { resolveTlsPaths, type TlsConfig, type TlsPaths } from "./tls-paths.js";

const MAX_LEAF_FILE_BYTES = 64 * 1024;
const MAX_CA_FILE_BYTES = 4 * 1024 * 1024;

/** Validated certificate material, ready for `https.createServer` or `setSecureContext`. */
export type LoadedTls = TlsPaths & {
  fingerprint: string;
  options: SecureContextOptions & { cert: string; key: string; ca?: string };
};

async function readBounded(path: string, what: string, maxBytes: number): Promise<string> {
  let data: Buffer;
  try {
    const handle = await fsp.open(path, "r");
    try {
      const { size } = await handle.stat();
      if (size > maxBytes) throw new Error(`larger than ${maxBytes} bytes`);
      data = await handle.readFile();
    } finally {
      await handle.close();
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "file not found" : code === "EACCES" ? "permission denied" : (err as Error).message;
    throw new Error(`gateway TLS: cannot read the ${what} ${path} (${reason}). Check the path and its permissions.`);
  }
  return data.toString("utf8");
}

/** Reads and checks cert, key and optional CA; throws a message naming the file and what to do. */
export async function readTlsMaterial(paths: TlsPaths): Promise<LoadedTls> {
  const cert = await readBounded(paths.certPath, "certificate", MAX_LEAF_FILE_BYTES);
  const key = await readBounded(paths.keyPath, "private key", MAX_LEAF_FILE_BYTES);
  const ca = paths.caPath ? await readBounded(paths.caPath, "CA bundle", MAX_CA_FILE_BYTES) : undefined;
  let x509: X509Certificate;
  let fingerprint: string;
  try {
    x509 = new X509Certificate(cert);
    fingerprint = certificateFingerprint(cert);
  } catch (err) {
    throw new Error(`gateway TLS: ${paths.certPath} is not a PEM certificate (${(err as Error).message}). Replace it with a PEM-encoded certificate.`);
  }
  let matches: boolean;
  try {
    matches = x509.checkPrivateKey(createPrivateKey(key));
  } catch (err) {
    throw new Error(`gateway TLS: ${paths.keyPath} is not a usable unencrypted PEM private key (${(err as Error).message}). Replace it with the key of ${paths.certPath}.`);
  }
  if (!matches) {
    throw new Error(`gateway TLS: the private key ${paths.keyPath} does not belong to the certificate ${paths.certPath}. Replace them with a matching pair.`);
  }
  const options: LoadedTls["options"] = { cert, key, ...(ca !== undefined ? { ca } : {}), minVersion: "TLSv1.3" };
  try {
    createSecureContext(options);
  } catch (err) {
    const culprit = paths.caPath ? `${paths.certPath}, ${paths.keyPath} or ${paths.caPath}` : `${paths.certPath} or ${paths.keyPath}`;
    throw new Error(`gateway TLS: cannot use ${culprit} (${(err as Error).message}). Check that the files hold a valid PEM certificate, key and CA bundle.`);
  }
  return { ...paths, fingerprint, options };
}

/**
 * The server's TLS material for `gateway.tls`, or null when TLS is off. With autoGenerate (the
 * default) a missing pair is created once; a half pair is never completed or overwritten.
 */
export async function loadServerTls(tls: TlsConfig | undefined, stateDir: string, onGenerated?: (certPath: string) => void): Promise<LoadedTls | null> {
  if (tls?.enabled !== true) return null;
  const paths = resolveTlsPaths(tls, stateDir);
  const autoGenerate = tls.autoGenerate !== false;
  const hasCert = existsSync(paths.certPath);
  const hasKey = existsSync(paths.keyPath);
  if (!hasCert && !hasKey) {
    if (!autoGenerate) {
      throw new Error(
        `gateway TLS is enabled but neither the certificate ${paths.certPath} nor the key ${paths.keyPath} exists. ` +
          "Provide them (gateway.tls.certPath / gateway.tls.keyPath) or set gateway.tls.autoGenerate to true to create a self-signed pair.",
      );
    }
    try {
      await generateSelfSignedPair(paths);
    } catch (err) {
      throw new Error(`gateway TLS: failed to generate a self-signed certificate at ${paths.certPath}: ${(err as Error).message}`);
    }
    onGenerated?.(paths.certPath);
  } else if (!hasCert || !hasKey) {
    const [present, missing] = hasCert ? [paths.certPath, paths.keyPath] : [paths.keyPath, paths.certPath];
    const regenerate = autoGenerate ? `, or remove ${present} so the gateway generates a new self-signed pair` : "";
    throw new Error(`gateway TLS: ${present} exists but ${missing} is missing. Restore ${missing}${regenerate}.`);
  }
  return readTlsMaterial(paths);
}
