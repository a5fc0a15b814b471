import type { Command } from 'commander';
import {
  buildControllerConfig,
  CONTROLLER_DEFAULTS,
  type ControllerFlags,
} from '../config/controller-config.js';
import { ControllerApp } from '../controller/controller-app.js';
import { createControllerMetrics } from '../controller/controller-metrics.js';
import { HealthServer } from '../controller/health-server.js';
import { loadKubeConfig } from '../k8s/client.js';
import { systemClock } from '../k8s/clock.js';
import { KubeRestClient } from '../k8s/rest-client.js';
import { createLogger } from '../observability/logger.js';
import { collect, runAction } from './run-action.js';

/** Composition root of `otel-ta controller`. */
export function registerControllerCommand(program: Command): void {
  const d = CONTROLLER_DEFAULTS;
  program
    .command('controller')
    .description(
      'reconcile allocator workloads for OpenTelemetryCollectors (and, with --standalone, the collectors), manage webhook certificates; leader-elected',
    )
    .option('--kubeconfig <path>', 'kubeconfig file (default: in-cluster service account)')
    .option('--context <name>', 'kubeconfig context (default: its current context)')
    .option('--namespace <ns>', 'reconcile collectors of this namespace only (default: all)')
    .option('--standalone', 'also render the collector workloads (no upstream operator installed)')
    .option(
      '--allocator-image <image>',
      'allocator image when a collector names none',
      d.allocatorImage,
    )
    .option(
      '--collector-image <image>',
      'collector image in standalone mode when a collector names none',
      d.collectorImage,
    )
    .option('--resync-period <duration>', 'reconcile every collector this often', d.resyncPeriod)
    .option('--workers <n>', 'collectors reconciled in parallel', d.workers)
    .option('--leader-elect', 'run leader election; only the leader reconciles')
    .option(
      '--leader-election-id <name>',
      'name of the coordination.k8s.io Lease',
      d.leaderElectionId,
    )
    .option('--leader-election-namespace <ns>', 'namespace of the Lease (default: $POD_NAMESPACE)')
    .option(
      '--lease-duration <duration>',
      'how long a lease holds without renewal',
      d.leaseDuration,
    )
    .option(
      '--renew-deadline <duration>',
      'a leader that cannot renew this long steps down',
      d.renewDeadline,
    )
    .option(
      '--retry-period <duration>',
      'interval between lease acquire/renew attempts',
      d.retryPeriod,
    )
    .option(
      '--manage-certificates',
      'create and rotate the webhook CA and serving certificate, keep caBundles current',
    )
    .option(
      '--webhook-service-name <name>',
      'the webhook Service the certificate is for',
      d.webhookServiceName,
    )
    .option('--webhook-service-namespace <ns>', 'its namespace (default: $POD_NAMESPACE)')
    .option(
      '--webhook-secret-name <name>',
      'the kubernetes.io/tls Secret holding the certificates',
      d.webhookSecretName,
    )
    .option(
      '--mutating-webhook-configuration <name>',
      "keep this configuration's caBundle current (repeatable)",
      collect,
      [],
    )
    .option(
      '--validating-webhook-configuration <name>',
      "keep this configuration's caBundle current (repeatable)",
      collect,
      [],
    )
    .option('--crd-name <name>', "keep this CRD's conversion webhook caBundle current")
    .option('--ca-validity-days <days>', 'validity of a new CA', d.caValidityDays)
    .option(
      '--cert-validity-days <days>',
      'validity of a new serving certificate',
      d.certValidityDays,
    )
    .option(
      '--cert-check-interval <duration>',
      'how often certificates and caBundles are checked',
      d.certCheckInterval,
    )
    .option('--log-level <level>', 'pino log level', d.logLevel)
    .option(
      '--health-addr <host:port>',
      '/livez, /readyz and /metrics over HTTP; off to disable',
      d.healthAddr,
    )
    .action(
      runAction(async (flags: ControllerFlags) => {
        const config = buildControllerConfig(flags, {
          POD_NAMESPACE: process.env['POD_NAMESPACE'],
          POD_NAME: process.env['POD_NAME'],
          HOSTNAME: process.env['HOSTNAME'],
        });
        const logger = createLogger({ level: config.logLevel, name: 'otel-ta-controller' });
        const kc = loadKubeConfig(
          { kubeconfigPath: config.kubeconfigPath, context: config.context },
          process.env,
        );
        const metrics = createControllerMetrics();
        const api = new KubeRestClient(kc);
        const app = new ControllerApp(config, {
          api,
          clock: systemClock,
          logger,
          metrics,
        });
        const health =
          config.health === undefined
            ? undefined
            : new HealthServer(config.health, app, metrics.registry, logger);
        await health?.start();
        await app.start();
        logger.info(
          {
            namespace: config.namespace ?? '(all)',
            standalone: config.standalone,
            leaderElection: config.leaderElection !== undefined,
            certificates: config.certificates !== undefined,
          },
          'controller started',
        );
        const signal = await new Promise<NodeJS.Signals>((resolve) => {
          process.once('SIGTERM', () => resolve('SIGTERM'));
          process.once('SIGINT', () => resolve('SIGINT'));
        });
        logger.info({ signal }, 'stopping controller');
        await app.stop();
        await health?.stop();
        api.close();
        logger.info({}, 'controller stopped');
      }),
    );
}
