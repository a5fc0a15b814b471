import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import {
  ReloadingTlsCredentials,
  TLS_POLICY,
  type ServingCredentials,
  type TlsPolicy,
} from '../../certs/index.js';
import { errorMessage, OtelTaError } from '../../errors.js';
import type { AllocatorMetrics } from '../metrics.js';
import type { AllocationView } from '../model.js';
import { createApiApp } from './api-app.js';
import { parseListenAddress } from './listen-address.js';
import { HOT_PERIOD_MS, ResponseCache } from './response-cache.js';
import { ScrapeConfigsBody } from './scrape-configs-body.js';
import type { HandoffStatus } from '../handoff/handoff-coordinator.js';
import { createTargetsRoute, type PollRecorder } from './targets-route.js';

export interface AllocatorHttpsConfig {
  readonly listenAddr: string;
  /** CA that client certificates must chain to; reloaded with the serving pair. */
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

export interface AllocatorServerDeps {
  readonly view: AllocationView;
  /** job -> scrape config as parsed from YAML; return a new object whenever the config changes. */
  readonly scrapeConfigs: () => Readonly<Record<string, unknown>>;
  readonly isReady: () => boolean;
  readonly metrics: AllocatorMetrics;
  readonly logger: Logger;
  /** Go-style: `:8080`, `127.0.0.1:0`. */
  readonly listenAddr: string;
  readonly allowInsecureAuthSecrets: boolean;
  /** The mTLS listener; it serves the same routes, with real secrets on /scrape_configs. */
  readonly https?: AllocatorHttpsConfig | undefined;
  readonly strategy: string;
  /**
   * Most bytes of target bodies kept as plain JSON, the rest kept gzip-compact and inflated per
   * request (see ResponseCache); undefined keeps them all plain.
   * 100k targets of 30 labels make ~180 MB of bodies.
   */
  readonly responseCacheMaxBytes?: number | undefined;
  /** How long the mTLS listener waits for a TLS handshake to finish (default 10 s). */
  readonly tlsHandshakeTimeoutMs?: number | undefined;
  /** Told of every `/jobs/{job}/targets?collector_id=` request (the handoff). */
  readonly recordPoll?: PollRecorder | undefined;
  /** Handoffs in progress, for the page at `/`. */
  readonly handoffStatus?: (() => HandoffStatus) | undefined;
}

export interface AllocatorServer {
  start(): Promise<void>;
  /** Stops accepting, closes idle and keep-alive connections, and stops the certificate watch. */
  stop(): Promise<void>;
  /** The bound HTTP address (after start); port 0 in the config resolves here. */
  httpAddress(): AddressInfo;
  /** The bound HTTPS address, or undefined when HTTPS is off. */
  httpsAddress(): AddressInfo | undefined;
}

// Collectors poll every 30 s by default; keeping their connections open across polls avoids a
// TCP (and, on the mTLS listener, a TLS) handshake per refresh.
const KEEP_ALIVE_TIMEOUT_MS = 65_000;
// node:http's default, stated because keepAliveTimeout must stay below it.
const HEADERS_TIMEOUT_MS = 60_000;
// node's default is 120 s; a collector's handshake takes milliseconds, and a client that never
// finishes one must not hold a socket (and its TLS state) for two minutes.
const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

// The TLS floor and suites are part of every secure context, the first and each reloaded one.
function secureContextOptions(c: ServingCredentials): TlsPolicy & {
  cert: string;
  key: string;
  ca: string | undefined;
} {
  return { cert: c.cert, key: c.key, ca: c.ca, ...TLS_POLICY };
}

async function startCredentials(
  config: AllocatorHttpsConfig,
  logger: Logger,
): Promise<{ credentials: ReloadingTlsCredentials; initial: ServingCredentials }> {
  const credentials = new ReloadingTlsCredentials({
    certFile: config.certFile,
    keyFile: config.keyFile,
    caFile: config.caFile,
    fixHint: 'check the https.*_file_path settings (or the --https-*-file flags)',
    logger,
  });
  try {
    return { credentials, initial: await credentials.start() };
  } catch (err) {
    if (err instanceof OtelTaError) throw err;
    throw new OtelTaError(
      'HTTPS_TLS_FILES_INVALID',
      `cannot read the HTTPS CA/certificate/key files (${config.caFile}, ${config.certFile}, ${config.keyFile}): ${errorMessage(err)}; check the https.*_file_path settings`,
      { cause: err },
    );
  }
}

function listen(server: Server | HttpsServer, listenAddr: string): Promise<void> {
  const { host, port } = parseListenAddress(listenAddr);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function close(server: Server | HttpsServer): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

export function createAllocatorServer(deps: AllocatorServerDeps): AllocatorServer {
  const logger = deps.logger.child({ component: 'allocator-server' });
  const cache = new ResponseCache(deps.view, { maxBodyBytes: deps.responseCacheMaxBytes });
  let coolTimer: NodeJS.Timeout | undefined;
  const scrapeConfigs = new ScrapeConfigsBody(deps.scrapeConfigs);
  const targetsRoute = createTargetsRoute(cache, deps.metrics.httpDuration, deps.recordPoll);
  const handlerFor = (withSecrets: boolean): Handler => {
    const app = createApiApp({
      view: deps.view,
      cache,
      scrapeConfigs,
      isReady: deps.isReady,
      metrics: deps.metrics,
      logger,
      strategy: deps.strategy,
      withSecrets,
      handoffStatus: deps.handoffStatus,
    });
    return (req, res) => {
      if (!targetsRoute(req, res)) app(req, res);
    };
  };

  const http = createServer(
    { keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS, headersTimeout: HEADERS_TIMEOUT_MS },
    handlerFor(deps.allowInsecureAuthSecrets),
  );
  let https: HttpsServer | undefined;
  let credentials: ReloadingTlsCredentials | undefined;

  const address = (server: Server | HttpsServer): AddressInfo => {
    const addr = server.address();
    if (addr === null || typeof addr === 'string') throw new Error('server is not listening');
    return addr;
  };

  return {
    async start(): Promise<void> {
      await listen(http, deps.listenAddr);
      logger.info({ address: address(http) }, 'allocator HTTP server listening');
      coolTimer = setInterval(() => {
        cache.cool();
        deps.metrics.responseCacheBytes.set({ form: 'all' }, cache.bytes());
        deps.metrics.responseCacheBytes.set({ form: 'hot_plain' }, cache.hotBodyBytes());
      }, HOT_PERIOD_MS).unref();
      if (deps.https === undefined) return;
      const tlsConfig = deps.https;
      const started = await startCredentials(tlsConfig, logger);
      credentials = started.credentials;
      const server = createHttpsServer(
        {
          ...secureContextOptions(started.initial),
          requestCert: true,
          rejectUnauthorized: true,
          keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
          headersTimeout: HEADERS_TIMEOUT_MS,
          handshakeTimeout: deps.tlsHandshakeTimeoutMs ?? TLS_HANDSHAKE_TIMEOUT_MS,
        },
        handlerFor(true),
      );
      https = server;
      // New connections get the new context; those open keep theirs.
      credentials.onChange((next) => server.setSecureContext(secureContextOptions(next)));
      await listen(server, tlsConfig.listenAddr);
      logger.info({ address: address(server) }, 'allocator HTTPS (mTLS) server listening');
    },

    async stop(): Promise<void> {
      clearInterval(coolTimer);
      await credentials?.stop();
      await Promise.all([close(http), https === undefined ? Promise.resolve() : close(https)]);
      logger.info('allocator server stopped');
    },

    httpAddress: () => address(http),
    httpsAddress: () => (https === undefined ? undefined : address(https)),
  };
}
