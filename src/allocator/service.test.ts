import { describe, expect, it } from 'vitest';
import { buildAllocatorConfig } from '../config/allocator-config.js';
import { UsageError } from '../errors.js';
import { silentLogger } from '../observability/logger.js';
import { ManualClock } from './discovery/manual-clock.js';
import { DiscoveryRegistry } from './discovery/registry.js';
import { staticProviderFactory } from './discovery/static-provider.js';
import { createAllocatorMetrics } from './metrics.js';
import { AllocatorService } from './service.js';

function serviceFor(text: string): AllocatorService {
  const config = buildAllocatorConfig({ flags: {}, env: {}, file: { path: '/etc/ta.yaml', text } });
  return new AllocatorService({
    config,
    loadConfig: () => Promise.resolve(config),
    registry: new DiscoveryRegistry().register('static_configs', staticProviderFactory),
    logger: silentLogger(),
    metrics: createAllocatorMetrics({ defaultMetrics: false }),
    clock: new ManualClock(),
    watchConfigFile: false,
  });
}

const JOBS = 'config: {scrape_configs: [{job_name: a, static_configs: [{targets: ["x:1"]}]}]}\n';

describe('AllocatorService.start', () => {
  it('fails with a usage error naming the file for an unknown allocation strategy', async () => {
    const start = serviceFor(`collectors: [c]\nallocation_strategy: round-robin\n${JOBS}`).start();
    await expect(start).rejects.toThrow(UsageError);
    await expect(start).rejects.toThrow(
      /config file \/etc\/ta\.yaml: unknown allocation strategy "round-robin"/,
    );
  });

  it('fails clearly when no collector pool is available in this build', async () => {
    const start = serviceFor(`collector_namespace: obs\n${JOBS}`).start();
    await expect(start).rejects.toThrow(
      /give a static collector pool \(collectors or --collector-ids\)/,
    );
  });

  it('names the job and kind of a discovery mechanism that is not registered', async () => {
    const start = serviceFor(
      'collectors: [c]\nconfig: {scrape_configs: [{job_name: k, kubernetes_sd_configs: [{role: pod}]}]}\n',
    ).start();
    await expect(start).rejects.toThrow(
      'job "k": kubernetes_sd_configs is not a supported service discovery',
    );
  });
});
