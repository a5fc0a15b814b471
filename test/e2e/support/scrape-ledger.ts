import type { Socket } from 'node:net';
import { serveOnLoopback, type LoopbackHttp } from './loopback-http.js';

/** One scrape a target served: when, and which collector sent it. */
export interface ScrapeRecord {
  /** Milliseconds since the epoch, when the request arrived. */
  readonly at: number;
  /** The collector's id, or `unknown:<client port>` when the connection's owner was not found. */
  readonly scraper: string;
}

/** Names the sender of a connection from its two loopback ports. */
export type ConnectionIdentifier = (clientPort: number, serverPort: number) => Promise<string>;

export interface ScrapeLedger {
  /** `127.0.0.1:<port>` of every target, in creation order. */
  readonly addresses: readonly string[];
  /** Every scrape each target served so far, in arrival order. */
  scrapes(address: string): readonly ScrapeRecord[];
  stop(): Promise<void>;
}

/**
 * `count` local /metrics targets (one port each, as the allocator places targets by
 * `__address__`) that record every scrape they serve with the scraper's identity. The identity is
 * looked up once per connection, when it opens (the sender still holds it then), since scrapers
 * keep their connections alive across scrapes.
 */
export async function startScrapeLedger(
  count: number,
  identify: ConnectionIdentifier,
): Promise<ScrapeLedger> {
  const servers: LoopbackHttp[] = [];
  const addresses: string[] = [];
  const ledger = new Map<string, ScrapeRecord[]>();
  for (let i = 0; i < count; i++) {
    const records: ScrapeRecord[] = [];
    const senders = new WeakMap<Socket, Promise<string>>();
    const target = await serveOnLoopback((req, res) => {
      const at = Date.now();
      if (req.url?.startsWith('/metrics') !== true) {
        res.writeHead(404).end();
        return;
      }
      const sender = senders.get(req.socket) ?? Promise.resolve(`unknown:${req.socket.remotePort}`);
      void sender.then((scraper) => records.push({ at, scraper }));
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
      res.end(
        `# TYPE ledger_scrapes_total counter\nledger_scrapes_total{target="${i}"} ${records.length + 1}\n` +
          `# TYPE ledger_temperature gauge\nledger_temperature{target="${i}"} ${20 + (i % 7)}\n`,
      );
    });
    target.server.on('connection', (socket: Socket) => {
      const clientPort = socket.remotePort ?? 0;
      const serverPort = socket.localPort ?? 0;
      senders.set(
        socket,
        identify(clientPort, serverPort).catch(() => `unknown:${clientPort}`),
      );
    });
    target.server.keepAliveTimeout = 60_000;
    const address = `127.0.0.1:${target.port}`;
    servers.push(target);
    addresses.push(address);
    ledger.set(address, records);
  }
  return {
    addresses,
    scrapes: (address) => ledger.get(address) ?? [],
    stop: async () => {
      await Promise.all(servers.map((s) => s.close()));
    },
  };
}
