import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MetricTargets {
  /** `127.0.0.1:<port>` of every target, in creation order. */
  readonly addresses: readonly string[];
  /** Scrapes served per address. */
  scrapes(address: string): number;
  stop(): Promise<void>;
}

/**
 * `count` small HTTP servers, each a scrape target with its own port (the allocator places targets
 * by `__address__`) serving a counter and a gauge in the Prometheus text format.
 */
export async function startMetricTargets(count: number): Promise<MetricTargets> {
  const servers: Server[] = [];
  const addresses: string[] = [];
  const scrapes = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    let address = '';
    const server = createServer((req, res) => {
      if (req.url?.startsWith('/metrics') !== true) {
        res.writeHead(404).end();
        return;
      }
      const n = (scrapes.get(address) ?? 0) + 1;
      scrapes.set(address, n);
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
      res.end(
        `# TYPE demo_requests_total counter\ndemo_requests_total{target="${i}"} ${n}\n` +
          `# TYPE demo_temperature gauge\ndemo_temperature{target="${i}"} ${20 + (i % 7)}\n`,
      );
    });
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    servers.push(server);
    addresses.push(address);
  }
  return {
    addresses,
    scrapes: (address) => scrapes.get(address) ?? 0,
    stop: async () => {
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              s.closeAllConnections();
            }),
        ),
      );
    },
  };
}
