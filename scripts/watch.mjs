// `npm run gateway:watch [-- <gateway args>]`: rebuilds the bundled CLI and restarts the gateway
// whenever a source file changes. The same arguments (and so the same port) are used every time.
import { spawn, spawnSync } from "node:child_process";
import { watch } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const gatewayArgs = process.argv.slice(2);
const DEBOUNCE_MS = 200;
let child = null;
let timer = null;
let restarting = false;
let pending = false;

function log(line) {
  process.stderr.write(`[gateway:watch] ${line}\n`);
}

function bundle() {
  const result = spawnSync(process.execPath, [join(root, "scripts", "bundle.mjs")], { cwd: root, stdio: "inherit" });
  return result.status === 0;
}

function stopChild() {
  if (!child || child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill("SIGKILL"), 5000);
    child.once("exit", () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

async function restart(reason) {
  if (restarting) {
    pending = true;
    return;
  }
  restarting = true;
  do {
    pending = false;
    log(`${reason}: rebuilding`);
    if (!bundle()) {
      log("build failed; keeping the running gateway (fix the error and save again)");
      break;
    }
    await stopChild();
    child = spawn(process.execPath, [join(root, "dist", "openclaw.mjs"), "gateway", "--force", ...gatewayArgs], { cwd: root, stdio: "inherit" });
    log(`gateway started (pid ${child.pid})`);
    reason = "more changes";
  } while (pending);
  restarting = false;
}

for (const dir of ["src"]) {
  watch(join(root, dir), { recursive: true }, (_event, file) => {
    if (!file || !/\.(ts|json)$/.test(String(file)) || /\.test\.ts$/.test(String(file))) return;
    clearTimeout(timer);
    timer = setTimeout(() => void restart(`changed ${dir}/${file}`), DEBOUNCE_MS);
  });
}
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, async () => {
    await stopChild();
    process.exit(0);
  });
}
void restart("start");
