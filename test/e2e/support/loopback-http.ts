import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A plain HTTP server on an ephemeral loopback port, for in-process tests of a request listener. */
export interface LoopbackHttp {
  readonly server: Server;
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly base: string;
  /** Closes the server and any connection still open (keep-alive ones included). */
  close(): Promise<void>;
}

export async function serveOnLoopback(listener: RequestListener): Promise<LoopbackHttp> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    base: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
