/**
 * A fake IRC server for tests (not a *.test.ts file): it records each line a client sends and
 * lets the test answer, over plain TCP or (given a TLS server) TLS.
 */
import { createServer as createTcpServer, type Server, type Socket } from "node:net";
import { Server as TlsServer } from "node:tls";

export type FakeServer = { port: number; lines: string[]; sockets: Socket[]; close(): Promise<void> };

/** A server that records each line a client sends and lets `reply` answer it. */
export async function fakeServer(reply: (line: string, socket: Socket) => void = () => {}, server: Server = createTcpServer()): Promise<FakeServer> {
  const lines: string[] = [];
  const sockets: Socket[] = [];
  server.on(server instanceof TlsServer ? "secureConnection" : "connection", (socket: Socket) => {
    sockets.push(socket);
    socket.on("error", () => {});
    let buffered = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      buffered += chunk;
      for (let nl = buffered.indexOf("\r\n"); nl >= 0; nl = buffered.indexOf("\r\n")) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 2);
        lines.push(line);
        reply(line, socket);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : 0,
    lines,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Welcomes whoever sends USER, with the nick from their last NICK. */
export function welcoming(extra: (socket: Socket) => void = () => {}) {
  let nick = "";
  return (line: string, socket: Socket) => {
    if (line.startsWith("NICK ")) nick = line.slice(5);
    if (line.startsWith("USER ")) {
      socket.write(`:fake.server 001 ${nick} :Welcome ${nick}!~u@127.0.0.1\r\n`);
      extra(socket);
    }
  };
}

