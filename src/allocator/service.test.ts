import { describe, expect, it, vi } from 'vitest';
import { buildAllocatorConfig, type AllocatorConfig } from '../config/allocator-config.js';
import type { ScrapeConfig } from '../config/allocator/prometheus-config.js';
import { UsageError } from '../errors.js';
import { Writable } from 'node:stream';
import { createLogger, silentLogger } from '../observability/logger.js';
import { KubernetesCollectorSource } from './collectors/kubernetes-collector-source.js';
import type { Pod } from './discovery/kubernetes/kube-types.js';
import { MemoryCollection } from './discovery/kubernetes/memory-list-watch.js';
import type { ListWatchSource } from '../k8s/list-watch.js';
import { ManualClock } from './discovery/manual-clock.js';
import { DiscoveryRegistry } from './discovery/registry.js';
import { staticProviderFactory } from './discovery/static-provider.js';
import { createAllocatorMetrics } from './metrics.js';
import type { JobPlanner, MonitorJob } from './prometheus-cr/prometheus-cr-watcher.js';
import { AllocatorService, type AllocatorServiceDeps, type DynamicJobSource } from './service.js';

function configFrom(text: string): AllocatorConfig {
  return buildAllocatorConfig({ flags: {}, env: {}, file: { path: '/etc/ta.yaml', text } });
}

/**
 * A service over static_configs only, on a manual clock, not watching its file, reloading the same
 * config; `overrides` replace any of that.
 */
function serviceWith(
  config: AllocatorConfig,
  overrides: Partial<AllocatorServiceDeps> = {},
): AllocatorService {
  return new AllocatorService({
    config,
    loadConfig: () => Promise.resolve(config),
    registry: new DiscoveryRegistry().register('static_configs', staticProviderFactory),
    logger: silentLogger(),
    metrics: createAllocatorMetrics({ defaultMetrics: false }),
    clock: new ManualClock(),
    watchConfigFile: false,
    ...overrides,
  });
}

function serviceFor(text: string): AllocatorService {
  return serviceWith(configFrom(text));
}

const JOBS = 'config: {scrape_configs: [{job_name: a, static_configs: [{targets: ["x:1"]}]}]}\n';

function configInNamespace(ns: string): AllocatorConfig {
  return configFrom(`listen_addr: 127.0.0.1:0\ncollector_namespace: ${ns}\n${JOBS}`);
}

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
    const config = configFrom(text);
    const source = new ScriptedJobSource();
    const service = serviceWith(config, {
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
    const base = 'listen_addr: 127.0.0.1:0\ncollectors: [c]\n';
    const files = [
      `${base}allocation_strategy: least-weighted\n${JOBS}`,
      `${base}allocation_strategy: least-weighted\nconfig: {scrape_configs: [{job_name: b, static_configs: [{targets: ["y:1"]}]}]}\n`,
    ];
    const service = serviceWith(configFrom(`${base}${JOBS}`), {
      loadConfig: () => Promise.resolve(configFrom(files.shift() ?? '')),
      logger: createLogger({ level: 'warn', name: 'test' }, sink),
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

describe('AllocatorService.reload of the Kubernetes collector pool', () => {
  function readyPod(namespace: string, name: string): Pod {
    const at = new Date(0).toISOString();
    return {
      metadata: { name, namespace, creationTimestamp: at },
      spec: { nodeName: 'n1' },
      status: {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: at }],
      },
    };
  }

  it('applies a new collector_namespace and collector_selector without a moment of empty pool', async () => {
    const namespaces: Record<string, MemoryCollection<Pod>> = {
      obs: new MemoryCollection<Pod>(),
      obs2: new MemoryCollection<Pod>(),
    };
    namespaces.obs!.put(readyPod('obs', 'old-0'));
    namespaces.obs2!.put(readyPod('obs2', 'new-0'));
    namespaces.obs2!.put(readyPod('obs2', 'new-1'));
    const metrics = createAllocatorMetrics({ defaultMetrics: false });
    const clock = new ManualClock();
    const service = serviceWith(configInNamespace('obs'), {
      loadConfig: () => Promise.resolve(configInNamespace('obs2')),
      metrics,
      clock,
      collectorSource: (config) =>
        new KubernetesCollectorSource({
          pods: namespaces[config.collectorNamespace ?? '']!,
          clock,
          logger: silentLogger(),
          gracePeriodMs: 0,
        }),
    });
    // Observes (and calls through to) the real gauge: each value is the size of a pool set.
    const poolSet = vi.spyOn(metrics.collectorsDiscovered, 'set');
    await service.start();
    try {
      expect(service.view()?.collectorIds()).toEqual(['old-0']);
      expect(await service.reload()).toBe(true);
      expect(service.view()?.collectorIds()).toEqual(['new-0', 'new-1']);
      // A pod change in the old namespace no longer reaches the pool.
      namespaces.obs!.put(readyPod('obs', 'old-1'));
      await new Promise((r) => setTimeout(r, 10));
      expect(service.view()?.collectorIds()).toEqual(['new-0', 'new-1']);
      expect(poolSet.mock.calls.map((call) => call[0])).toEqual([1, 2]);
    } finally {
      await service.stop();
    }
  });

  it('keeps the current pool when the new pod watch cannot list within 30 s', async () => {
    const obs = new MemoryCollection<Pod>();
    obs.put(readyPod('obs', 'old-0'));
    // The new namespace's list never answers (no RBAC there, say) until the watch is stopped.
    const unanswered: ListWatchSource<Pod> = {
      list: (signal) =>
        new Promise((_resolve, reject) =>
          signal.addEventListener('abort', () => reject(new Error('aborted'))),
        ),
      watch: () => Promise.resolve(),
    };
    const clock = new ManualClock();
    const service = serviceWith(configInNamespace('obs'), {
      loadConfig: () => Promise.resolve(configInNamespace('locked')),
      clock,
      collectorSource: (config) =>
        new KubernetesCollectorSource({
          pods: config.collectorNamespace === 'obs' ? obs : unanswered,
          clock,
          logger: silentLogger(),
          gracePeriodMs: 0,
        }),
    });
    await service.start();
    try {
      const reloaded = service.reload();
      await new Promise((r) => setTimeout(r, 10));
      clock.advance(30_000);
      expect(await reloaded).toBe(true);
      expect(service.view()?.collectorIds()).toEqual(['old-0']);
      obs.put(readyPod('obs', 'old-1'));
      await expect.poll(() => service.view()?.collectorIds()).toEqual(['old-0', 'old-1']);
    } finally {
      await service.stop();
    }
  });
});

describe('AllocatorService.reload in a burst', () => {
  it('reads the file once for all the reloads asked while one waits, and ends on the last file', async () => {
    const configOf = (job: string): AllocatorConfig =>
      configFrom(
        `listen_addr: 127.0.0.1:0\ncollectors: [c]\nconfig: {scrape_configs: [{job_name: ${job}, static_configs: [{targets: ["x:1"]}]}]}\n`,
      );
    let loads = 0;
    let file = 'first';
    const service = serviceWith(configOf('a'), {
      loadConfig: () => {
        loads += 1;
        return Promise.resolve(configOf(file));
      },
    });
    await service.start();
    try {
      const burst: Promise<boolean>[] = [];
      for (let i = 0; i < 50; i++) {
        file = `job${i}`;
        burst.push(service.reload());
      }
      expect(await Promise.all(burst)).toEqual(burst.map(() => true));
      expect(loads).toBe(1);
      expect(service.currentConfig().prometheus.scrapeConfigs.map((j) => j.job_name)).toEqual([
        'job49',
      ]);
    } finally {
      await service.stop();
    }
  });
});

describe('AllocatorService handoff', () => {
  it('serves a collector joining a static pool its moved targets only after the hold, and shows the hold on /metrics', async () => {
    const targets = Array.from({ length: 12 }, (_, i) => `"h${i}:1"`).join(', ');
    const text = (pool: string): string =>
      `listen_addr: 127.0.0.1:0\ncollectors: [${pool}]\nconfig: {scrape_configs: [{job_name: j, scrape_interval: 5s, static_configs: [{targets: [${targets}]}]}]}\n`;
    let current = configFrom(text('a, b'));
    const clock = new ManualClock();
    const service = serviceWith(current, { clock, loadConfig: () => Promise.resolve(current) });
    await service.start();
    try {
      const base = `http://127.0.0.1:${service.httpAddress()!.port}`;
      const served = async (id: string): Promise<number> =>
        ((await (await fetch(`${base}/jobs/j/targets?collector_id=${id}`)).json()) as unknown[])
          .length;
      expect((await served('a')) + (await served('b'))).toBe(12);
      current = configFrom(text('a, b, c'));
      expect(await service.reload()).toBe(true);
      const moved = service.view()!.targetsFor('j', 'c').length;
      expect(moved).toBeGreaterThan(0);
      expect(await served('c')).toBe(0);
      expect((await served('a')) + (await served('b'))).toBe(12 - moved);
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toContain(`otel_ta_targets_held{job_name="j"} ${moved}`);
      expect(metrics).toContain('otel_ta_handoffs_total{reason="old_owner_polled"} 0');
      // a and b have polled (above); 5 s + 2.1 x 5 s + 2 s later their markers are written.
      clock.advance(17_500);
      expect(await served('c')).toBe(moved);
      const after = await (await fetch(`${base}/metrics`)).text();
      expect(after).toContain(`otel_ta_handoffs_total{reason="old_owner_polled"} ${moved}`);
      expect(after).not.toContain('otel_ta_targets_held{');
    } finally {
      await service.stop();
    }
  });
});
