import type { Duplex } from "node:stream";

/** Answers a WebSocket upgrade with a plain HTTP error carrying a JSON body, then closes the socket. */
export function refuseUpgrade(socket: Duplex, status: number, statusText: string, body: unknown): void {
  socket.on("error", () => socket.destroy());
  const text = JSON.stringify(body);
  socket.end(`HTTP/1.1 ${status} ${statusText}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
}
