/**
 * Prometheus CR discovery in-process: the real service, watcher, kubernetes_sd provider, relabel
 * filter and HTTP API, over an in-memory API server (the same flow runs against a real
 * kube-apiserver in test/e2e/allocator-prometheus-cr.e2e.test.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/allocator/discovery/clock.js';
import { createKubernetesSdFactory } from '../../src/allocator/discovery/kubernetes/kubernetes-sd-provider.js';
import { DiscoveryRegistry } from '../../src/allocator/discovery/registry.js';
import { staticProviderFactory } from '../../src/allocator/discovery/static-provider.js';
import { createAllocatorMetrics } from '../../src/allocator/metrics.js';
import { MemoryCluster } from '../../src/allocator/prometheus-cr/memory-cluster.js';
import { createInvalidMonitorsGauge } from '../../src/allocator/prometheus-cr/prometheus-cr-metrics.js';
import { PrometheusCrWatcher } from '../../src/allocator/prometheus-cr/prometheus-cr-watcher.js';
import { AllocatorService } from '../../src/allocator/service.js';
import { buildAllocatorConfig } from '../../src/config/allocator-config.js';
import type { KubeObject } from '../../src/k8s/object.js';
import type { KubeApi } from '../../src/k8s/rest-client.js';
import { silentLogger } from '../../src/observability/logger.js';

const NO_API: KubeApi = {
  request: () => Promise.reject(new Error('unused: collections are in memory')),
  watch: () => Promise.reject(new Error('unused: collections are in memory')),
};

const JOB = 'serviceMonitor/shop/web/0';

function service(name: string, app: string): KubeObject {
  return {
    metadata: { namespace: 'shop', name, labels: { app } },
    spec: { ports: [{ name: 'metrics', port: 8080 }] },
  };
}

function slice(service: string, ips: string[]): KubeObject {
  return {
    metadata: {
      namespace: 'shop',
      name: `${service}-1`,
      labels: { 'kubernetes.io/service-name': service },
    },
    addressType: 'IPv4',
    ports: [
      { name: 'metrics', port: 8080 },
      { name: 'admin', port: 9000 },
    ],
    endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
  };
}

function serviceMonitor(port: string): KubeObject {
  return {
    metadata: { namespace: 'shop', name: 'web' },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      endpoints: [{ port, bearerTokenSecret: { name: 'scrape', key: 'token' } }],
    },
  };
}

describe('allocator with Prometheus CR discovery (in-process)', () => {
  let cluster: MemoryCluster;
  let svc: AllocatorService | undefined;
  let base = '';

  beforeEach(async () => {
    cluster = new MemoryCluster();
    cluster.collection('services', 'shop').put(service('web', 'web'));
    cluster.collection('services', 'shop').put(service('db', 'db'));
    cluster.collection('endpointslices', 'shop').put(slice('web', ['10.0.0.1', '10.0.0.2']));
    cluster.collection('endpointslices', 'shop').put(slice('db', ['10.0.0.9']));
    cluster.collection('secrets', 'shop').put({
      metadata: { namespace: 'shop', name: 'scrape' },
      data: { token: Buffer.from('t0ken').toString('base64') },
    });
    cluster.collection('servicemonitors').put(serviceMonitor('metrics'));
    const config = buildAllocatorConfig({
      flags: {},
      env: {},
      file: {
        path: '/etc/ta.yaml',
        text: JSON.stringify({
          listen_addr: '127.0.0.1:0',
          collectors: ['c-0', 'c-1'],
          collector_namespace: 'obs',
          prometheus_cr: {
            enabled: true,
            service_monitor_selector: {},
            scrape_config_selector: {},
            probe_selector: {},
            secret_namespaces: ['shop'],
          },
          config: {
            scrape_configs: [{ job_name: 'file', static_configs: [{ targets: ['a:1'] }] }],
          },
        }),
      },
    });
    const metrics = createAllocatorMetrics({ defaultMetrics: false });
    svc = new AllocatorService({
      config,
      loadConfig: () => Promise.resolve(config),
      registry: new DiscoveryRegistry().register('static_configs', staticProviderFactory).register(
        'kubernetes_sd_configs',
        createKubernetesSdFactory({
          connect: () => Promise.resolve(NO_API),
          listWatch: () => cluster.listWatch,
        }),
      ),
      logger: silentLogger(),
      metrics,
      clock: systemClock,
      watchConfigFile: false,
      prometheusCrSource: (current, planner) =>
        new PrometheusCrWatcher({
          config: current.prometheusCr,
          collectorNamespace: current.collectorNamespace,
          listWatch: cluster.listWatch,
          planner,
          logger: silentLogger(),
          clock: systemClock,
          invalidMonitors: createInvalidMonitorsGauge(metrics.registry),
        }),
    });
    await svc.start();
    base = `http://127.0.0.1:${svc.httpAddress()?.port}`;
  });

  afterEach(async () => svc?.stop());

  async function get<T>(path: string): Promise<T> {
    return (await (await fetch(`${base}${path}`)).json()) as T;
  }

  /** Every address a job serves, over all collectors, sorted. */
  async function addresses(job = JOB): Promise<string[]> {
    const body = await get<Record<string, { targets: { targets: string[] }[] }>>(
      `/jobs/${encodeURIComponent(job)}/targets`,
    );
    return Object.values(body)
      .flatMap((c) => c.targets.flatMap((g) => g.targets))
      .sort();
  }

  /** Polls until `check` holds; returns how long it took. */
  async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
    const started = Date.now();
    while (!(await check())) {
      if (Date.now() - started > ms) throw new Error(`not within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return Date.now() - started;
  }

  it('serves the monitor job next to the file job, with only the selected service and port, and redacted auth', async () => {
    await within(2000, async () => (await addresses()).length === 2);
    expect(await addresses()).toEqual(['10.0.0.1:8080', '10.0.0.2:8080']);
    expect(Object.keys(await get<object>('/jobs')).sort()).toEqual(['file', JOB]);
    const configs = await get<Record<string, Record<string, unknown>>>('/scrape_configs');
    expect(Object.keys(configs).sort()).toEqual(['file', JOB]);
    expect(configs[JOB]?.authorization).toEqual({ type: 'Bearer', credentials: '<secret>' });
    expect(configs[JOB]?.kubernetes_sd_configs).toEqual([
      { role: 'endpointslice', namespaces: { names: ['shop'] } },
    ]);
  });

  it('serves an edited monitor within 1 s and drops the job of a deleted one', async () => {
    await within(2000, async () => (await addresses()).length === 2);
    cluster.collection('servicemonitors').put(serviceMonitor('admin'));
    const took = await within(
      1000,
      async () => (await addresses()).join() === '10.0.0.1:9000,10.0.0.2:9000',
    );
    expect(took).toBeLessThan(1000);

    cluster.collection('servicemonitors').remove('shop/web');
    await within(1000, async () => !Object.keys(await get<object>('/jobs')).includes(JOB));
    expect(Object.keys(await get<object>('/scrape_configs'))).toEqual(['file']);
  });

  it('serves a Probe with its URL targets and a ScrapeConfig; one with a bad regex is left out and reported', async () => {
    cluster.collection('probes').put({
      metadata: { namespace: 'shop', name: 'site' },
      spec: {
        module: 'http_2xx',
        prober: { url: 'blackbox:9115' },
        targets: { staticConfig: { static: ['https://shop.example/health'] } },
      },
    });
    cluster.collection('scrapeconfigs').put({
      metadata: { namespace: 'shop', name: 'hosts' },
      spec: { staticConfigs: [{ targets: ['db-1:9187'] }] },
    });
    cluster.collection('scrapeconfigs').put({
      metadata: { namespace: 'shop', name: 'broken' },
      spec: {
        staticConfigs: [{ targets: ['db-2:9187'] }],
        relabelings: [{ sourceLabels: ['__address__'], regex: '(unclosed', action: 'keep' }],
      },
    });
    await within(2000, async () => (await addresses('probe/shop/site')).length === 1);
    expect(await addresses('probe/shop/site')).toEqual(['https://shop.example/health']);
    expect(await addresses('scrapeConfig/shop/hosts')).toEqual(['db-1:9187']);
    expect(Object.keys(await get<object>('/jobs'))).not.toContain('scrapeConfig/shop/broken');
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain(
      'otel_ta_prometheus_cr_invalid_monitors{kind="ScrapeConfig",namespace="shop",name="broken",reason="spec.relabelings[0]: invalid regex \\"(unclosed\\": missing )"} 1',
    );
  });
});
