import type { Command } from 'commander';
import {
  DEFAULT_ALLOCATOR_IMAGE,
  DEFAULT_REFRESH_INTERVAL,
  DEFAULT_WEBHOOK_LISTEN_ADDR,
  WEBHOOK_CONFIG_FILE_ENV,
  WEBHOOK_SETTINGS,
  loadWebhookConfig,
  type WebhookFlags,
} from '../config/webhook-config.js';
import { Annotations } from '../collector/annotations.js';
import { createLogger } from '../observability/logger.js';
import { WebhookService } from '../webhook/webhook-service.js';
import { runAction } from './run-action.js';

function describe(text: string, setting: keyof typeof WEBHOOK_SETTINGS): string {
  const names = WEBHOOK_SETTINGS[setting];
  return `${text} (env ${names.env}, config key ${names.key})`;
}

/** `otel-ta webhook`: the composition root of the admission webhook. */
export function registerWebhookCommand(program: Command): void {
  program
    .command('webhook')
    .description(
      'serve the admission webhook (/mutate, /validate, /convert, /healthz, /readyz, /metrics) over HTTPS',
    )
    .option(
      '--tls-cert-file <file>',
      describe('serving certificate (PEM), reloaded on change', 'tlsCertFile'),
    )
    .option(
      '--tls-key-file <file>',
      describe('serving key (PEM), reloaded on change', 'tlsKeyFile'),
    )
    .option(
      '--listen-addr <host:port>',
      describe(`listen address, default ${DEFAULT_WEBHOOK_LISTEN_ADDR}`, 'listenAddr'),
    )
    .option(
      '--policy-file <file>',
      describe('admin policy YAML (docs/policy.md), reloaded on change', 'policyFile'),
    )
    .option(
      '--allocator-image <image>',
      describe(
        `allocator image filled in when a collector sets none, default ${DEFAULT_ALLOCATOR_IMAGE}`,
        'allocatorImage',
      ),
    )
    .option(
      '--default-allocation-strategy <name>',
      describe(
        'strategy filled in when a collector sets none: consistent-hashing (default) or least-weighted; daemonsets always get per-node',
        'defaultAllocationStrategy',
      ),
    )
    .option(
      '--collector-refresh-interval <duration>',
      describe(
        `how often collectors poll their allocator, written into rewritten configs (1s-5m; a collector's annotation ${Annotations.refreshInterval} overrides it), default ${DEFAULT_REFRESH_INTERVAL}`,
        'collectorRefreshInterval',
      ),
    )
    .option(
      '--certificate-wait-seconds <n>',
      describe(
        'wait up to n seconds for missing certificate files at startup (their Secret may not be projected yet); default 0, fail at once',
        'certificateWaitSeconds',
      ),
    )
    .option(
      '--config-file <file>',
      `YAML file with any of the settings above (env ${WEBHOOK_CONFIG_FILE_ENV})`,
    )
    .option(
      '--log-level <level>',
      describe('fatal, error, warn, info, debug, trace or silent; default info', 'logLevel'),
    )
    .action(
      runAction(async (flags: WebhookFlags) => {
        const config = await loadWebhookConfig(flags, process.env);
        const logger = createLogger({ level: config.logLevel, name: 'otel-ta-webhook' });
        const service = new WebhookService({ config, logger });
        await service.start();
        await new Promise<void>((resolve) => {
          const shutdown = (signal: NodeJS.Signals): void => {
            logger.info({ signal }, 'shutting down');
            resolve();
          };
          process.once('SIGTERM', shutdown);
          process.once('SIGINT', shutdown);
        });
        await service.stop();
      }),
    );
}
