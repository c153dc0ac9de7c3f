import { execFile } from "node:child_process";
import { existsSync, promises as fsp } from "node:fs";
import { dirname, join } from "node:path";
import { createSecureContext } from "node:tls";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Only OS-managed locations: a PATH entry must not be able to swap in another "openssl". */
export const OPENSSL_CANDIDATES = ["/usr/bin/openssl", "/bin/openssl", "/usr/local/bin/openssl", "/opt/homebrew/bin/openssl", "/usr/sbin/openssl"];
const GENERATION_TIMEOUT_MS = 30_000;

export function findOpenssl(candidates: readonly string[] = OPENSSL_CANDIDATES): string | null {
  return candidates.find((path) => existsSync(path)) ?? null;
}

export function opensslArgs(keyOut: string, certOut: string): string[] {
  return [
    "req", "-x509", "-newkey", "rsa:2048", "-sha256", "-days", "3650", "-nodes",
    "-subj", "/CN=openclaw-gateway", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
    "-keyout", keyOut, "-out", certOut,
  ];
}

async function syncFile(path: string): Promise<void> {
  const handle = await fsp.open(path, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function syncDir(path: string): Promise<void> {
  try {
    await syncFile(path);
  } catch {
    // Some filesystems cannot fsync a directory; the files themselves are already durable.
  }
}

/** Puts `staged` at `target` only if nothing is there yet (hard link), copying when links are unsupported. */
async function publishNoClobber(staged: string, target: string): Promise<void> {
  try {
    await fsp.link(staged, target);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EEXIST") throw new Error(`${target} appeared while the new certificate was being generated; remove it or restart to use it`);
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EXDEV" && code !== "ENOSYS") throw err;
    await fsp.copyFile(staged, target, fsp.constants.COPYFILE_EXCL);
    await fsp.chmod(target, 0o600);
  }
  await syncDir(dirname(target));
}

async function stagingDir(beside: string): Promise<string> {
  await fsp.mkdir(beside, { recursive: true, mode: 0o700 });
  const dir = await fsp.mkdtemp(join(beside, ".openclaw-gateway-tls-"));
  await fsp.chmod(dir, 0o700);
  return dir;
}

/**
 * Creates a self-signed certificate and key (both mode 0600) with the system openssl. The pair is
 * made in staging folders next to the targets and published only once complete and valid.
 */
export async function generateSelfSignedPair(paths: { certPath: string; keyPath: string }, openssl = findOpenssl()): Promise<void> {
  if (!openssl) {
    throw new Error(
      `openssl was not found (looked in ${OPENSSL_CANDIDATES.map(dirname).join(", ")}), so no self-signed certificate can be generated. ` +
        "Install openssl (e.g. apt-get install openssl), or provide gateway.tls.certPath and gateway.tls.keyPath.",
    );
  }
  const certStage = await stagingDir(dirname(paths.certPath));
  const keyStage = dirname(paths.keyPath) === dirname(paths.certPath) ? certStage : await stagingDir(dirname(paths.keyPath)).catch(async (err) => {
    await fsp.rm(certStage, { recursive: true, force: true });
    throw err;
  });
  const stagedCert = join(certStage, "cert.pem");
  const stagedKey = join(keyStage, "key.pem");
  try {
    try {
      await run(openssl, opensslArgs(stagedKey, stagedCert), { timeout: GENERATION_TIMEOUT_MS });
    } catch (err) {
      const stderr = String((err as { stderr?: unknown }).stderr ?? "").trim().split("\n").pop();
      throw new Error(`${openssl} failed to generate a self-signed certificate: ${stderr || (err as Error).message}`);
    }
    await Promise.all([fsp.chmod(stagedKey, 0o600), fsp.chmod(stagedCert, 0o600)]);
    const [cert, key] = await Promise.all([fsp.readFile(stagedCert), fsp.readFile(stagedKey)]);
    createSecureContext({ cert, key });
    await Promise.all([syncFile(stagedCert), syncFile(stagedKey)]);
    await publishNoClobber(stagedKey, paths.keyPath);
    try {
      await publishNoClobber(stagedCert, paths.certPath);
    } catch (err) {
      await fsp.unlink(paths.keyPath).catch(() => {});
      throw err;
    }
  } finally {
    await Promise.allSettled([...new Set([certStage, keyStage])].map((dir) => fsp.rm(dir, { recursive: true, force: true })));
  }
}
