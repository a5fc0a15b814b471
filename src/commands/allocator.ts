import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import {
  DEFAULT_ALLOCATOR_CONFIG_FILE,
  loadAllocatorConfig,
  type AllocatorConfig,
  type AllocatorFlags,
} from '../config/allocator-config.js';
import { systemClock } from '../allocator/discovery/clock.js';
import { systemDnsResolver } from '../allocator/discovery/dns-resolver.js';
import { nodeHttpGet } from '../allocator/discovery/http-get.js';
import { createDiscoveryRegistry } from '../allocator/discovery/registry.js';
import { createAllocatorMetrics } from '../allocator/metrics.js';
import { AllocatorService } from '../allocator/service.js';
import { KubernetesCollectorSource } from '../allocator/collectors/kubernetes-collector-source.js';
import { formatLabelSelector } from '../allocator/collectors/kubernetes-label-selector.js';
import {
  kubeStatefulSetReplicas,
  statefulSetDepartureCheck,
} from '../allocator/collectors/statefulset-departure.js';
import { createKubeConnector } from '../allocator/discovery/kubernetes/kube-connector.js';
import type { Pod } from '../allocator/discovery/kubernetes/kube-types.js';
import { createKubernetesSdFactory } from '../allocator/discovery/kubernetes/kubernetes-sd-provider.js';
import type { KubeClientConfig } from '../k8s/client.js';
import { loadKubeConfig } from '../k8s/client.js';
import { restListWatch } from '../k8s/list-watch.js';
import { ResourceTypes } from '../k8s/resource-path.js';
import { KubeRestClient } from '../k8s/rest-client.js';
import { createLogger } from '../observability/logger.js';
import { runAction } from './run-action.js';
import { PrometheusCrWatcher } from '../allocator/prometheus-cr/prometheus-cr-watcher.js';
import { createInvalidMonitorsGauge } from '../allocator/prometheus-cr/prometheus-cr-metrics.js';
import type { KubeObject } from '../k8s/object.js';

/** Builds the allocator service with the real clock, HTTP, DNS and discovery mechanisms. */
export function composeAllocatorService(
  config: AllocatorConfig,
  loadConfig: () => Promise<AllocatorConfig>,
  logger: Logger,
  options: { readonly watchConfigFile?: boolean } = {},
): AllocatorService {
  const metrics = createAllocatorMetrics();
  const registry = createDiscoveryRegistry({
    clock: systemClock,
    httpGet: nodeHttpGet,
    resolver: systemDnsResolver(),
    metrics,
  });
  const kube = allocatorKubeConfig(config);
  const connect = createKubeConnector(kube, process.env);
  // Built on first use: a static pool never departs into a grace, so it never needs a kubeconfig.
  let statefulSetApi: KubeRestClient | undefined;
  registry.register(
    'kubernetes_sd_configs',
    createKubernetesSdFactory({
      connect,
      ownNamespace: config.collectorNamespace,
    }),
  );
  return new AllocatorService({
    config,
    loadConfig,
    registry,
    logger,
    metrics,
    clock: systemClock,
    watchConfigFile: options.watchConfigFile,
    departureIsFinal: statefulSetDepartureCheck({
      readReplicas: kubeStatefulSetReplicas(
        () => (statefulSetApi ??= new KubeRestClient(loadKubeConfig(kube, process.env))),
      ),
      logger: logger.child({ component: 'collector-pods' }),
    }),
    prometheusCrSource: (current, planner) => {
      const api = new KubeRestClient(loadKubeConfig(kube, process.env));
      return new PrometheusCrWatcher({
        config: current.prometheusCr,
        collectorNamespace: current.collectorNamespace,
        listWatch: (type, selection) => restListWatch<KubeObject>(api, type, selection),
        planner,
        logger,
        clock: systemClock,
        invalidMonitors: createInvalidMonitorsGauge(metrics.registry),
      });
    },
    collectorSource: (current) =>
      new KubernetesCollectorSource({
        pods: restListWatch<Pod>(
          new KubeRestClient(loadKubeConfig(kube, process.env)),
          ResourceTypes.pods,
          {
            namespace: current.collectorNamespace,
            labelSelector: formatLabelSelector(current.collectorSelector) || undefined,
          },
        ),
        clock: systemClock,
        logger: logger.child({ component: 'collector-pods' }),
        gracePeriodMs: current.collectorNotReadyGracePeriodMs,
      }),
  });
}

/** kube_config_file_path, else ~/.kube/config when it exists, else the in-cluster account (upstream's order). */
function allocatorKubeConfig(config: AllocatorConfig): KubeClientConfig {
  if (config.kubeConfigFilePath !== undefined) return { kubeconfigPath: config.kubeConfigFilePath };
  const home = join(homedir(), '.kube', 'config');
  return existsSync(home) ? { kubeconfigPath: home } : {};
}

/**
 * Starts the service and runs it until SIGTERM or SIGINT, then drains and stops it. SIGHUP
 * reloads the config. The signal handlers are in place before the start, which on Kubernetes
 * waits for the first collector pod list: a SIGTERM while the API server does not answer stops
 * the service and exits 0 instead of killing the process. A failed start stops whatever had
 * started before rethrowing.
 */
export async function runUntilSignal(
  service: AllocatorService,
  logger: Logger,
  afterStart?: () => void,
): Promise<void> {
  let started = false;
  let requestStop!: () => void;
  const stopRequested = new Promise<'stop'>((resolve) => (requestStop = () => resolve('stop')));
  const onHup = (): void => {
    if (!started) return;
    logger.info('SIGHUP: reloading the config');
    void service.reload();
  };
  const onStop = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'stopping');
    // A second signal gets the default behaviour: it ends a shutdown that hangs.
    process.off('SIGHUP', onHup);
    process.off('SIGTERM', onStop);
    process.off('SIGINT', onStop);
    requestStop();
  };
  process.on('SIGHUP', onHup);
  process.on('SIGTERM', onStop);
  process.on('SIGINT', onStop);
  try {
    const first = await Promise.race([
      service.start().then(() => 'started' as const),
      stopRequested,
    ]);
    if (first === 'started') {
      started = true;
      afterStart?.();
      await stopRequested;
    }
  } catch (err) {
    process.off('SIGHUP', onHup);
    process.off('SIGTERM', onStop);
    process.off('SIGINT', onStop);
    await service.stop().catch(() => undefined);
    throw err;
  }
  await service.stop();
}

export function registerAllocatorCommand(program: Command): void {
  program
    .command('allocator')
    .description(
      'run the target allocator: discovery -> relabel filter -> allocation -> HTTP SD API (reads the upstream targetallocator.yaml format; SIGHUP or a file change reloads it)',
    )
    .option('--config-file <file>', 'the allocator config file', DEFAULT_ALLOCATOR_CONFIG_FILE)
    .option('--listen-addr <addr>', 'HTTP listen address, host:port or :port (default ":8080")')
    .option(
      '--collector-ids <ids>',
      'a static collector pool, comma-separated (instead of collector pods on Kubernetes)',
    )
    .option(
      '--enable-prometheus-cr-watcher',
      'enable Prometheus CR discovery (prometheus_cr.enabled)',
    )
    .option('--kubeconfig-path <file>', 'kubeconfig file (default ~/.kube/config, else in-cluster)')
    .option('--enable-https-server', 'also serve the API over mTLS (https.enabled)')
    .option('--listen-addr-https <addr>', 'HTTPS listen address (default ":8443")')
    .option('--https-ca-file <file>', 'CA that client certificates must chain to')
    .option('--https-tls-cert-file <file>', 'HTTPS server certificate')
    .option('--https-tls-key-file <file>', 'HTTPS server private key')
    .option(
      '--allow-insecure-auth-secrets',
      'serve real secrets on /scrape_configs over plain HTTP (env ALLOW_INSECURE_AUTH_SECRETS)',
    )
    .option(
      '--response-cache-max-mb <mib>',
      'MiB of plain JSON kept for hot target bodies (requested 3+ times in 10 s); bodies are otherwise kept gzip-compact (response_cache_max_mb; default: no limit)',
    )
    .option('--log-level <level>', 'trace, debug, info, warn or error', 'info')
    .addHelpText(
      'after',
      '\nEnvironment: OTELCOL_NAMESPACE (collector_namespace), ALLOW_INSECURE_AUTH_SECRETS=true.\nPrecedence: defaults < config file < environment < flags.',
    )
    .action(
      runAction(async (flags: AllocatorFlags) => {
        const load = (): Promise<AllocatorConfig> => loadAllocatorConfig(flags, process.env);
        const config = await load();
        const logger = createLogger({ level: config.logLevel, name: 'otel-ta-allocator' });
        await runUntilSignal(composeAllocatorService(config, load, logger), logger);
      }),
    );
}
