import { createServer, type Server } from "node:net";

export type LoopbackTwin = Server;

/**
 * A listener on `host:port` whose connections `server` serves as its own: the same handlers, the
 * same TLS context (renewals included), closed with the server's connections.
 */
export function listenLoopbackTwin(server: Server, host: string, port: number): Promise<LoopbackTwin> {
  const twin = createServer((socket) => server.emit("connection", socket));
  return new Promise((resolve, reject) => {
    twin.once("error", (err) => reject(new Error(`failed to bind gateway socket on ws://${host}:${port}: ${err.message} (clients on this machine use ${host}:${port}; free it or pick another --port)`)));
    twin.listen({ host, port, exclusive: true }, () => resolve(twin));
  });
}
