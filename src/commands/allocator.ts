import type { Command } from 'commander';
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
import { createLogger } from '../observability/logger.js';
import { runAction } from './run-action.js';

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
  return new AllocatorService({
    config,
    loadConfig,
    registry,
    logger,
    metrics,
    clock: systemClock,
    watchConfigFile: options.watchConfigFile,
  });
}

/**
 * Starts the service and runs it until SIGTERM or SIGINT, then drains and stops it. SIGHUP
 * reloads the config. A failed start stops whatever had started before rethrowing.
 */
export async function runUntilSignal(
  service: AllocatorService,
  logger: Logger,
  afterStart?: () => void,
): Promise<void> {
  try {
    await service.start();
  } catch (err) {
    await service.stop().catch(() => undefined);
    throw err;
  }
  afterStart?.();
  await new Promise<void>((resolve) => {
    const onHup = (): void => {
      logger.info('SIGHUP: reloading the config');
      void service.reload();
    };
    const onStop = (signal: NodeJS.Signals): void => {
      logger.info({ signal }, 'stopping');
      process.off('SIGHUP', onHup);
      process.off('SIGTERM', onStop);
      process.off('SIGINT', onStop);
      resolve();
    };
    process.on('SIGHUP', onHup);
    process.on('SIGTERM', onStop);
    process.on('SIGINT', onStop);
  });
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
