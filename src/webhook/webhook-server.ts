import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { RequestListener } from 'node:http';
import { TLS_POLICY, type ReloadingTlsCredentials } from '../certs/index.js';
import type { Logger } from '../observability/logger.js';

export interface WebhookServerOptions {
  readonly app: RequestListener;
  readonly credentials: ReloadingTlsCredentials;
  /** Undefined host: every interface. Port 0: any free port (tests, the demo). */
  readonly host: string | undefined;
  readonly port: number;
  readonly logger: Logger;
  /**
   * A request that has not arrived completely by then is cut off, so a slow client cannot hold a
   * socket; a TLS handshake gets as long.
   */
  readonly requestTimeoutMs?: number;
  /** How long stop() waits for requests in flight before closing their connections. */
  readonly drainTimeoutMs?: number;
}

/**
 * The HTTPS listener. Certificates come from `ReloadingTlsCredentials`; a reload swaps the secure
 * context for new connections only, so requests in flight and open keep-alive connections carry on.
 */
export class WebhookServer {
  private readonly options: WebhookServerOptions;
  private server: Server | undefined;

  constructor(options: WebhookServerOptions) {
    this.options = options;
  }

  async start(): Promise<AddressInfo> {
    const { credentials, logger } = this.options;
    const initial = await credentials.start();
    const server = createServer(
      // No Nagle delay on answers: a review is written whole, and its last segment must not wait.
      {
        cert: initial.cert,
        key: initial.key,
        ...TLS_POLICY,
        noDelay: true,
        // node waits 120 s for a handshake by default: a client that opens connections and never
        // finishes one would hold each socket far longer than a slow request may take.
        handshakeTimeout: this.options.requestTimeoutMs ?? 10_000,
      },
      this.options.app,
    );
    server.requestTimeout = this.options.requestTimeoutMs ?? 10_000;
    server.headersTimeout = Math.min(server.requestTimeout, 10_000);
    server.keepAliveTimeout = 30_000;
    credentials.onChange((pair) => {
      server.setSecureContext({ cert: pair.cert, key: pair.key, ...TLS_POLICY });
    });
    server.on('tlsClientError', (err) => logger.debug({ err }, 'tls handshake failed'));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address() as AddressInfo;
    logger.info({ address: address.address, port: address.port }, 'webhook listening');
    return address;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await this.options.credentials.stop();
    if (server === undefined) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const drain = setTimeout(
      () => server.closeAllConnections(),
      this.options.drainTimeoutMs ?? 5_000,
    );
    drain.unref();
    await closed;
    clearTimeout(drain);
  }
}
