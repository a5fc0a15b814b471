import { describe, expect, it } from 'vitest';
import { buildAllocatorConfig } from '../config/allocator-config.js';
import type { ScrapeConfig } from '../config/allocator/prometheus-config.js';
import { UsageError } from '../errors.js';
import { Writable } from 'node:stream';
import { createLogger, silentLogger } from '../observability/logger.js';
import { ManualClock } from './discovery/manual-clock.js';
import { DiscoveryRegistry } from './discovery/registry.js';
import { staticProviderFactory } from './discovery/static-provider.js';
import { createAllocatorMetrics } from './metrics.js';
import type { JobPlanner, MonitorJob } from './prometheus-cr/prometheus-cr-watcher.js';
import { AllocatorService, type DynamicJobSource } from './service.js';

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

/**
 * A scripted dynamic job source: the interface the Prometheus CR watcher implements (the watcher
 * itself runs in test/integration/allocator-prometheus-cr.test.ts); here only the service's wiring
 * is under test.
 */
class ScriptedJobSource implements DynamicJobSource {
  sink: ((jobs: readonly MonitorJob[]) => void) | undefined;
  planner: JobPlanner | undefined;

  start(sink: (jobs: readonly MonitorJob[]) => void): Promise<void> {
    this.sink = sink;
    return Promise.resolve();
  }

  setPlanner(planner: JobPlanner): void {
    this.planner = planner;
  }

  stop(): Promise<void> {
    this.sink = undefined;
    return Promise.resolve();
  }

  emit(...configs: ScrapeConfig[]): void {
    const planner = this.planner;
    if (planner === undefined) throw new Error('no planner');
    this.sink?.(configs.map((scrapeConfig) => ({ scrapeConfig, plan: planner(scrapeConfig) })));
  }
}

describe('AllocatorService with a dynamic job source (Prometheus CRs)', () => {
  it('is ready only once the first monitor job set is in; monitor jobs join the file jobs and a file job name wins', async () => {
    const text = `listen_addr: 127.0.0.1:0\ncollectors: [c]\nprometheus_cr: {enabled: true}\n${JOBS}`;
    const config = buildAllocatorConfig({
      flags: {},
      env: {},
      file: { path: '/etc/ta.yaml', text },
    });
    const source = new ScriptedJobSource();
    const service = new AllocatorService({
      config,
      loadConfig: () => Promise.resolve(config),
      registry: new DiscoveryRegistry().register('static_configs', staticProviderFactory),
      logger: silentLogger(),
      metrics: createAllocatorMetrics({ defaultMetrics: false }),
      clock: new ManualClock(),
      watchConfigFile: false,
      prometheusCrSource: (_config, planner) => {
        source.planner = planner;
        return source;
      },
    });
    await service.start();
    try {
      const base = `http://127.0.0.1:${service.httpAddress()?.port}`;
      expect((await fetch(`${base}/readyz`)).status).toBe(503);
      source.emit(
        { job_name: 'serviceMonitor/ns/m/0', static_configs: [{ targets: ['y:2'] }] },
        { job_name: 'a', static_configs: [{ targets: ['z:3'] }] },
      );
      await expect.poll(async () => (await fetch(`${base}/readyz`)).status).toBe(200);
      const configs = (await (await fetch(`${base}/scrape_configs`)).json()) as Record<
        string,
        { static_configs: unknown }
      >;
      expect(Object.keys(configs).sort()).toEqual(['a', 'serviceMonitor/ns/m/0']);
      expect(configs.a?.static_configs).toEqual([{ targets: ['x:1'] }]);
    } finally {
      await service.stop();
    }
  });
});

describe('AllocatorService.reload of settings that apply on restart', () => {
  it('keeps saying a changed strategy waits for a restart on every later reload, not only the first', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done): void {
        lines.push(chunk.toString());
        done();
      },
    });
    const configOf = (text: string): ReturnType<typeof buildAllocatorConfig> =>
      buildAllocatorConfig({ flags: {}, env: {}, file: { path: '/etc/ta.yaml', text } });
    const base = 'listen_addr: 127.0.0.1:0\ncollectors: [c]\n';
    const files = [
      `${base}allocation_strategy: least-weighted\n${JOBS}`,
      `${base}allocation_strategy: least-weighted\nconfig: {scrape_configs: [{job_name: b, static_configs: [{targets: ["y:1"]}]}]}\n`,
    ];
    const service = new AllocatorService({
      config: configOf(`${base}${JOBS}`),
      loadConfig: () => Promise.resolve(configOf(files.shift() ?? '')),
      registry: new DiscoveryRegistry().register('static_configs', staticProviderFactory),
      logger: createLogger({ level: 'warn', name: 'test' }, sink),
      metrics: createAllocatorMetrics({ defaultMetrics: false }),
      clock: new ManualClock(),
      watchConfigFile: false,
    });
    await service.start();
    try {
      const pending = (): unknown[] =>
        lines
          .map((l) => JSON.parse(l) as { msg: string; settings?: unknown })
          .filter((l) => l.msg === 'config reload: these settings apply on restart')
          .map((l) => l.settings);
      expect(await service.reload()).toBe(true);
      expect(pending()).toEqual([['allocationStrategy']]);
      expect(await service.reload()).toBe(true);
      expect(pending()).toEqual([['allocationStrategy'], ['allocationStrategy']]);
    } finally {
      await service.stop();
    }
  });
});
