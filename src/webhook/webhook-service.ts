import type { AddressInfo } from 'node:net';
import { ReloadingTlsCredentials } from '../certs/index.js';
import { PolicyWatcher } from '../config/policy-watcher.js';
import type { WebhookConfig } from '../config/webhook-config.js';
import type { Logger } from '../observability/logger.js';
import { EMPTY_POLICY, type Policy } from '../policy/policy.js';
import { createCollectorHandlers } from './collector-handlers.js';
import { createWebhookApp } from './webhook-app.js';
import { createWebhookMetrics, type WebhookMetrics } from './webhook-metrics.js';
import { WebhookServer } from './webhook-server.js';

export interface WebhookServiceOptions {
  readonly config: Omit<WebhookConfig, 'logLevel'>;
  readonly logger: Logger;
  readonly metrics?: WebhookMetrics;
  /** How often the certificate and policy files are re-read even without a watch event. */
  readonly pollIntervalMs?: number;
}

/**
 * The whole admission webhook: policy watcher, TLS credentials, the express app and the HTTPS
 * listener, started and stopped in order. `otel-ta webhook`, the demo, the tests and the benchmark
 * all run this same assembly.
 */
export class WebhookService {
  readonly metrics: WebhookMetrics;
  private readonly options: WebhookServiceOptions;
  private readonly policyWatcher: PolicyWatcher | undefined;
  private readonly credentials: ReloadingTlsCredentials;
  private readonly server: WebhookServer;
  private ready = false;

  constructor(options: WebhookServiceOptions) {
    this.options = options;
    const { config, logger } = options;
    const metrics = options.metrics ?? createWebhookMetrics();
    this.metrics = metrics;
    const pollIntervalMs = options.pollIntervalMs ?? 10_000;
    this.policyWatcher =
      config.policyFile === undefined
        ? undefined
        : new PolicyWatcher({
            path: config.policyFile,
            logger: logger.child({ component: 'policy' }),
            pollIntervalMs,
            onReload: (result, policy) => {
              metrics.policyReloads.inc({ result });
              metrics.policyRules.set(policy.rules.length);
            },
          });
    this.credentials = new ReloadingTlsCredentials({
      certFile: config.tlsCertFile,
      keyFile: config.tlsKeyFile,
      logger: logger.child({ component: 'tls' }),
      pollIntervalMs,
      onReload: (result) => metrics.tlsReloads.inc({ result }),
      waitForFilesMs: config.certificateWaitSeconds * 1000,
    });
    const watcher = this.policyWatcher;
    const policy = (): Policy => watcher?.current() ?? EMPTY_POLICY;
    const app = createWebhookApp({
      handlers: createCollectorHandlers({
        policy,
        mutation: {
          allocatorImage: config.allocatorImage,
          defaultAllocationStrategy: config.defaultAllocationStrategy,
          refreshInterval: config.collectorRefreshInterval,
        },
      }),
      metrics,
      logger,
      ready: () => this.ready,
    });
    this.server = new WebhookServer({
      app,
      credentials: this.credentials,
      host: config.listenAddr.host,
      port: config.listenAddr.port,
      logger,
    });
  }

  async start(): Promise<AddressInfo> {
    await this.policyWatcher?.start();
    const address = await this.server.start();
    this.ready = true;
    return address;
  }

  async stop(): Promise<void> {
    this.ready = false;
    await this.server.stop();
    await this.policyWatcher?.stop();
    this.options.logger.info('webhook stopped');
  }
}
