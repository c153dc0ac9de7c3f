/**
 * The production socket: Baileys' multi-file auth state in the account's auth directory and a
 * WhatsApp Web socket on it. Loaded only through `import()` (socket-factory.ts), so an install
 * without WhatsApp configured never reads Baileys.
 */
import { chmod } from "node:fs/promises";
import { join } from "node:path";
import type { MiscMessageGenerationOptions, SignalDataSet, WAMessageKey } from "baileys";
import { baileysLogger } from "./baileys-logger.js";
import type { SocketFactory, WhatsAppSocket } from "./socket.js";

/** The file names Baileys' multi-file store gives keys (`<type>-<id>.json`, `/` and `:` escaped). */
function keyFileName(type: string, id: string): string {
  return `${type}-${id}.json`.replace(/\//g, "__").replace(/:/g, "-");
}

/** Key files are written with the process umask; they hold private keys, so tighten each one. */
async function tightenKeyFiles(authDir: string, data: SignalDataSet): Promise<void> {
  const names: string[] = [];
  for (const [type, entries] of Object.entries(data)) {
    for (const [id, value] of Object.entries(entries ?? {})) if (value) names.push(keyFileName(type, id));
  }
  await Promise.all(names.map((name) => chmod(join(authDir, name), 0o600).catch(() => undefined)));
}

export const createBaileysSocket: SocketFactory = async ({ authDir, log, waWebSocketUrl }) => {
  const baileys = await import("baileys");
  const logger = baileysLogger(log);
  const { state, saveCreds } = await baileys.useMultiFileAuthState(authDir);
  const store = state.keys;
  const keys = baileys.makeCacheableSignalKeyStore(
    {
      get: (type, ids) => store.get(type, ids),
      set: async (data) => {
        await store.set(data);
        await tightenKeyFiles(authDir, data);
      },
    },
    logger,
  );
  const sock = baileys.makeWASocket({
    auth: { creds: state.creds, keys },
    logger,
    printQRInTerminal: false,
    browser: baileys.Browsers.ubuntu("OpenClaw"),
    markOnlineOnConnect: false,
    syncFullHistory: false,
    ...(waWebSocketUrl ? { waWebSocketUrl } : {}),
  });
  const socket: WhatsAppSocket = {
    ev: sock.ev as unknown as WhatsAppSocket["ev"],
    ws: sock.ws,
    get user() {
      const me = sock.user;
      return me ? { id: me.id, ...(me.lid ? { lid: me.lid } : {}) } : undefined;
    },
    sendMessage: (jid, content, opts) => sock.sendMessage(jid, content, opts as MiscMessageGenerationOptions | undefined),
    sendPresenceUpdate: (type, jid) => sock.sendPresenceUpdate(type, jid),
    readMessages: (keyList) => sock.readMessages(keyList as WAMessageKey[]),
    logout: () => sock.logout(),
    end: (err) => sock.end(err),
  };
  return { socket, saveCreds };
};
