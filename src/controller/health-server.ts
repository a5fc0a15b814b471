import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

export interface HealthSource {
  /** Ready: a follower is always ready; a leader once its caches are loaded. */
  ready(): boolean;
}

/**
 * Plain-HTTP probes and metrics of the controller container: /livez (the process answers),
 * /readyz (see HealthSource), /metrics (Prometheus text). Nothing here can change state.
 */
export class HealthServer {
  private server: Server | undefined;

  constructor(
    private readonly listen: { host: string; port: number },
    private readonly source: HealthSource,
    private readonly registry: Registry,
    private readonly logger: Logger,
  ) {}

  /** The bound port (useful with port 0); undefined before start(). */
  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET') {
        res.writeHead(405, { Allow: 'GET' }).end();
        return;
      }
      if (path === '/livez' || path === '/healthz') {
        res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok\n');
      } else if (path === '/readyz') {
        const ready = this.source.ready();
        res
          .writeHead(ready ? 200 : 503, { 'Content-Type': 'text/plain' })
          .end(ready ? 'ok\n' : 'caches not synced\n');
      } else if (path === '/metrics') {
        this.registry.metrics().then(
          (text) => res.writeHead(200, { 'Content-Type': this.registry.contentType }).end(text),
          (err: unknown) => {
            this.logger.error({ err }, 'metrics collection failed');
            res.writeHead(500).end();
          },
        );
      } else {
        res
          .writeHead(404, { 'Content-Type': 'text/plain' })
          .end('GET /livez, /readyz or /metrics\n');
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.listen.port, this.listen.host, () => resolve());
    });
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
