/**
 * A TCP proxy in front of a local port, for e2e tests that make an endpoint (the RPC) unreachable
 * without stopping the process behind it: `cut()` closes the listener and drops every open
 * connection (new connections are refused), `hang()` drops every open connection and accepts new
 * ones without ever answering (a hung endpoint), `restore()` forwards on the same port again.
 */
import { createServer, connect, type Server, type Socket } from "node:net";
import { freePort } from "../../scripts/devnet/node";

export interface TcpProxy {
  url: string;
  port: number;
  /** Whether connections are forwarded now. */
  readonly up: boolean;
  cut(): Promise<void>;
  hang(): void;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, host = "127.0.0.1"): Promise<TcpProxy> {
  const port = await freePort(host);
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let hanging = false;

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((client) => {
        if (hanging) {
          // Read and never answer: the caller waits until its own timeout.
          sockets.add(client);
          client.once("close", () => sockets.delete(client));
          client.on("error", () => undefined);
          client.resume();
          return;
        }
        const upstream = connect(targetPort, host);
        for (const sock of [client, upstream]) {
          sockets.add(sock);
          sock.once("close", () => sockets.delete(sock));
          sock.on("error", () => undefined);
        }
        client.pipe(upstream);
        upstream.pipe(client);
        client.once("close", () => upstream.destroy());
        upstream.once("close", () => client.destroy());
      });
      s.once("error", reject);
      s.listen(port, host, () => {
        server = s;
        resolve();
      });
    });

  const cut = async () => {
    const s = server;
    server = undefined;
    for (const sock of sockets) sock.destroy();
    sockets.clear();
    if (s) await new Promise<void>((r) => s.close(() => r()));
  };

  await listen();
  return {
    url: `http://${host}:${port}`,
    port,
    get up() {
      return server !== undefined;
    },
    cut,
    hang: () => {
      hanging = true;
      for (const sock of sockets) sock.destroy();
      sockets.clear();
    },
    restore: async () => {
      if (hanging) {
        hanging = false;
        for (const sock of sockets) sock.destroy();
        sockets.clear();
      }
      if (!server) await listen();
    },
    close: cut,
  };
}
