import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { buildAllocatorConfig } from '../../config/allocator-config.js';
import type { KubeObject } from '../../k8s/object.js';
import { createLogger, silentLogger } from '../../observability/logger.js';
import type { JobPlan } from '../discovery/job-plan.js';
import { ManualClock } from '../discovery/manual-clock.js';
import { MemoryCluster } from './memory-cluster.js';
import { createInvalidMonitorsGauge, type InvalidMonitorsGauge } from './prometheus-cr-metrics.js';
import { PrometheusCrWatcher, type MonitorJob } from './prometheus-cr-watcher.js';

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 5));

function monitor(namespace: string, name: string, spec: Record<string, unknown> = {}): KubeObject {
  return {
    metadata: { namespace, name },
    spec: { selector: {}, endpoints: [{ port: 'metrics' }], ...spec },
  };
}

/** A planner that plans nothing real: discovery is not under test here. */
function fakePlanner(planned: string[]): (sc: { job_name: string }) => JobPlan {
  return (sc) => {
    planned.push(sc.job_name);
    return { name: sc.job_name, discoveryFingerprint: '', providers: [], buildTargets: () => [] };
  };
}

describe('PrometheusCrWatcher', () => {
  let watcher: PrometheusCrWatcher | undefined;
  afterEach(async () => watcher?.stop());

  async function start(
    cluster: MemoryCluster,
    prometheusCr: Record<string, unknown>,
    planned: string[] = [],
    logger: Logger = silentLogger(),
  ): Promise<{
    emitted: (readonly MonitorJob[])[];
    clock: ManualClock;
    gauge: InvalidMonitorsGauge;
  }> {
    const config = buildAllocatorConfig({
      flags: {},
      env: {},
      file: {
        path: '/etc/ta.yaml',
        text: JSON.stringify({
          collectors: ['c'],
          collector_namespace: 'obs',
          prometheus_cr: { enabled: true, service_monitor_selector: {}, ...prometheusCr },
        }),
      },
    });
    const clock = new ManualClock();
    const gauge = createInvalidMonitorsGauge(new Registry());
    watcher = new PrometheusCrWatcher({
      config: config.prometheusCr,
      collectorNamespace: config.collectorNamespace,
      listWatch: cluster.listWatch,
      planner: fakePlanner(planned),
      logger,
      clock,
      invalidMonitors: gauge,
    });
    const emitted: (readonly MonitorJob[])[] = [];
    await watcher.start((jobs) => emitted.push(jobs));
    await tick();
    return { emitted, clock, gauge };
  }

  const names = (jobs: readonly MonitorJob[] | undefined): string[] =>
    (jobs ?? []).map((j) => j.plan.name);

  it('emits the jobs of every monitor once all watches listed, then after each coalesced change', async () => {
    const cluster = new MemoryCluster();
    const monitors = cluster.collection('servicemonitors');
    monitors.put(monitor('shop', 'web'));
    const planned: string[] = [];
    const { emitted, clock } = await start(cluster, {}, planned);
    expect(emitted.map(names)).toEqual([['serviceMonitor/shop/web/0']]);

    monitors.put(monitor('shop', 'api'));
    monitors.put(monitor('shop', 'api', { endpoints: [{ port: 'a' }, { port: 'b' }] }));
    await tick();
    expect(emitted).toHaveLength(1);
    clock.advance(50);
    expect(names(emitted[1])).toEqual([
      'serviceMonitor/shop/api/0',
      'serviceMonitor/shop/api/1',
      'serviceMonitor/shop/web/0',
    ]);
    // The unchanged job kept its plan: its discovery keeps running.
    expect(emitted[1]?.[2]?.plan).toBe(emitted[0]?.[0]?.plan);
    expect(planned.filter((n) => n === 'serviceMonitor/shop/web/0')).toHaveLength(1);

    monitors.remove('shop/api');
    await tick();
    clock.advance(50);
    expect(names(emitted[2])).toEqual(['serviceMonitor/shop/web/0']);
  });

  it('a new planner (config reload) plans every job again; otherwise unchanged monitors are not retranslated', async () => {
    const cluster = new MemoryCluster();
    const monitors = cluster.collection('servicemonitors');
    monitors.put(monitor('shop', 'web'));
    monitors.put(monitor('shop', 'api'));
    const planned: string[] = [];
    const { emitted, clock } = await start(cluster, {}, planned);
    monitors.put(monitor('shop', 'api', { endpoints: [{ port: 'other' }] }));
    await tick();
    clock.advance(50);
    expect(planned).toEqual([
      'serviceMonitor/shop/api/0',
      'serviceMonitor/shop/web/0',
      'serviceMonitor/shop/api/0',
    ]);
    const replanned: string[] = [];
    watcher?.setPlanner(fakePlanner(replanned));
    clock.advance(50);
    expect(replanned).toEqual(['serviceMonitor/shop/api/0', 'serviceMonitor/shop/web/0']);
    expect(emitted).toHaveLength(3);
    expect(emitted[2]?.[1]?.plan).not.toBe(emitted[1]?.[1]?.plan);
  });

  it('a null pod_monitor_selector watches no PodMonitors; {} selects all of them', async () => {
    const cluster = new MemoryCluster();
    cluster.collection('podmonitors').put({
      metadata: { namespace: 'batch', name: 'w' },
      spec: { selector: {}, podMetricsEndpoints: [{ port: 'm' }] },
    });
    const without = await start(cluster, {});
    expect(names(without.emitted[0])).toEqual([]);
    await watcher?.stop();
    const withPods = await start(cluster, { pod_monitor_selector: {} });
    expect(names(withPods.emitted[0])).toEqual(['podMonitor/batch/w/0']);
  });

  it('leaves out monitors of denied namespaces', async () => {
    const cluster = new MemoryCluster();
    const monitors = cluster.collection('servicemonitors');
    monitors.put(monitor('shop', 'web'));
    monitors.put(monitor('kube-system', 'dns'));
    const { emitted } = await start(cluster, { deny_namespaces: ['kube-system'] });
    expect(names(emitted[0])).toEqual(['serviceMonitor/shop/web/0']);
  });

  it('with allow_namespaces, watches each allowed namespace only', async () => {
    const cluster = new MemoryCluster();
    cluster.collection('servicemonitors', 'shop').put(monitor('shop', 'web'));
    cluster.collection('servicemonitors').put(monitor('other', 'x'));
    const { emitted } = await start(cluster, { allow_namespaces: ['shop'] });
    expect(names(emitted[0])).toEqual(['serviceMonitor/shop/web/0']);
  });

  it('a namespace selector selects monitors by their namespace labels, following label changes', async () => {
    const cluster = new MemoryCluster();
    const namespaces = cluster.collection('namespaces');
    namespaces.put({ metadata: { name: 'shop', labels: { monitored: 'yes' } } });
    namespaces.put({ metadata: { name: 'batch' } });
    const monitors = cluster.collection('servicemonitors');
    monitors.put(monitor('shop', 'web'));
    monitors.put(monitor('batch', 'jobs'));
    const { emitted, clock } = await start(cluster, {
      service_monitor_namespace_selector: { matchLabels: { monitored: 'yes' } },
    });
    expect(names(emitted[0])).toEqual(['serviceMonitor/shop/web/0']);
    namespaces.put({ metadata: { name: 'batch', labels: { monitored: 'yes' } } });
    await tick();
    clock.advance(50);
    expect(names(emitted[1])).toEqual(['serviceMonitor/batch/jobs/0', 'serviceMonitor/shop/web/0']);
  });

  it('skips an invalid monitor with a metric naming it and the reason; a Secret arriving later makes it valid', async () => {
    const cluster = new MemoryCluster();
    const monitors = cluster.collection('servicemonitors');
    monitors.put(monitor('obs', 'web'));
    monitors.put(
      monitor('obs', 'secured', {
        endpoints: [{ port: 'm', bearerTokenSecret: { name: 'scrape', key: 'token' } }],
      }),
    );
    const { emitted, clock, gauge } = await start(cluster, {});
    expect(names(emitted[0])).toEqual(['serviceMonitor/obs/web/0']);
    const values = (await gauge.get()).values;
    expect(values).toEqual([
      {
        value: 1,
        labels: {
          kind: 'ServiceMonitor',
          namespace: 'obs',
          name: 'secured',
          reason:
            'spec.endpoints[0].bearerTokenSecret: key "token" of Secret obs/scrape is not available; create it or fix the reference',
        },
      },
    ]);

    cluster.collection('secrets', 'obs').put({
      metadata: { namespace: 'obs', name: 'scrape' },
      data: { token: Buffer.from('t0ken').toString('base64') },
    });
    await tick();
    clock.advance(50);
    const secured = emitted[1]?.find((j) => j.plan.name === 'serviceMonitor/obs/secured/0');
    expect(secured?.scrapeConfig.authorization).toEqual({ type: 'Bearer', credentials: 't0ken' });
    expect((await gauge.get()).values).toEqual([]);
  });

  it('serves the monitors it has when another watch cannot list (a CRD not installed, no permission)', async () => {
    const cluster = new MemoryCluster();
    cluster.collection('servicemonitors').put(monitor('shop', 'web'));
    const failing = cluster.listWatch;
    const config = buildAllocatorConfig({
      flags: {},
      env: {},
      file: {
        path: '/etc/ta.yaml',
        text: JSON.stringify({
          collectors: ['c'],
          prometheus_cr: { enabled: true, service_monitor_selector: {}, pod_monitor_selector: {} },
        }),
      },
    });
    const clock = new ManualClock();
    watcher = new PrometheusCrWatcher({
      config: config.prometheusCr,
      collectorNamespace: undefined,
      listWatch: (type, selection) =>
        type.resource === 'podmonitors'
          ? {
              list: () => Promise.reject(new Error('404: the server could not find the resource')),
              watch: () => Promise.resolve(),
            }
          : failing(type, selection),
      planner: fakePlanner([]),
      logger: silentLogger(),
      clock,
      syncTimeoutMs: 1000,
    });
    const emitted: (readonly MonitorJob[])[] = [];
    await watcher.start((jobs) => emitted.push(jobs));
    await tick();
    expect(emitted).toHaveLength(0);
    clock.advance(1000);
    expect(names(emitted[0])).toEqual(['serviceMonitor/shop/web/0']);
  });

  it('a monitor whose generated config fails to plan is skipped like an invalid one', async () => {
    const cluster = new MemoryCluster();
    const monitors = cluster.collection('servicemonitors');
    monitors.put(monitor('shop', 'web'));
    monitors.put(
      monitor('shop', 'slow', { endpoints: [{ port: 'm', interval: '10s', scrapeTimeout: '1m' }] }),
    );
    const config = buildAllocatorConfig({
      flags: {},
      env: {},
      file: {
        path: '/etc/ta.yaml',
        text: JSON.stringify({ collectors: ['c'], prometheus_cr: { enabled: true } }),
      },
    });
    const gauge = createInvalidMonitorsGauge(new Registry());
    watcher = new PrometheusCrWatcher({
      config: {
        ...config.prometheusCr,
        serviceMonitorSelector: { matchLabels: {}, matchExpressions: [] },
      },
      collectorNamespace: undefined,
      listWatch: cluster.listWatch,
      planner: (sc) => {
        if (sc.scrape_timeout === '1m')
          throw new Error('scrape_timeout is greater than scrape_interval');
        return fakePlanner([])(sc);
      },
      logger: silentLogger(),
      clock: new ManualClock(),
      invalidMonitors: gauge,
    });
    const emitted: (readonly MonitorJob[])[] = [];
    await watcher.start((jobs) => emitted.push(jobs));
    await tick();
    expect(names(emitted[0])).toEqual(['serviceMonitor/shop/web/0']);
    expect((await gauge.get()).values[0]?.labels).toMatchObject({
      name: 'slow',
      reason: 'scrape_timeout is greater than scrape_interval',
    });
  });

  it('serves ScrapeConfigs and Probes by their selectors; an unknown SD kind leaves only that ScrapeConfig out, logged once and on the metric', async () => {
    const cluster = new MemoryCluster();
    const lines: string[] = [];
    const logger = createLogger(
      { level: 'info', name: 'test' },
      new Writable({
        write(chunk: Buffer, _enc, done): void {
          lines.push(chunk.toString());
          done();
        },
      }),
    );
    const scrapeConfigs = cluster.collection('scrapeconfigs');
    scrapeConfigs.put({
      metadata: { namespace: 'shop', name: 'hosts' },
      spec: { staticConfigs: [{ targets: ['db:9187'] }] },
    });
    scrapeConfigs.put({
      metadata: { namespace: 'shop', name: 'cloud' },
      spec: { ec2SDConfigs: [{ region: 'eu-west-1' }] },
    });
    cluster.collection('probes').put({
      metadata: { namespace: 'shop', name: 'site' },
      spec: {
        prober: { url: 'blackbox:9115' },
        targets: { staticConfig: { static: ['https://shop.example/'] } },
      },
    });
    const { emitted, gauge, clock } = await start(
      cluster,
      { service_monitor_selector: null, scrape_config_selector: {}, probe_selector: {} },
      [],
      logger,
    );
    expect(names(emitted[0])).toEqual(['scrapeConfig/shop/hosts', 'probe/shop/site']);
    expect((await gauge.get()).values).toEqual([
      {
        labels: {
          kind: 'ScrapeConfig',
          namespace: 'shop',
          name: 'cloud',
          reason:
            'spec.ec2SDConfigs: ec2 service discovery is not implemented by otel-ta, so this ScrapeConfig is left out; discover these targets with staticConfigs, fileSDConfigs, httpSDConfigs, kubernetesSDConfigs or dnsSDConfigs',
        },
        value: 1,
      },
    ]);
    // Another change recomputes; the problem is not logged again while it lasts.
    scrapeConfigs.put({
      metadata: { namespace: 'shop', name: 'hosts' },
      spec: { staticConfigs: [{ targets: ['db:9188'] }] },
    });
    clock.advance(50);
    expect(emitted).toHaveLength(2);
    expect(lines.filter((l) => l.includes('ec2SDConfigs'))).toHaveLength(1);
    // Removing it clears the metric.
    scrapeConfigs.remove('shop/cloud');
    clock.advance(50);
    expect((await gauge.get()).values).toEqual([]);
  });

  it('a Probe whose CA ConfigMap arrives later becomes valid', async () => {
    const cluster = new MemoryCluster();
    cluster.collection('probes').put({
      metadata: { namespace: 'obs', name: 'site' },
      spec: {
        prober: { url: 'blackbox:9115' },
        targets: { staticConfig: { static: ['https://shop.example/'] } },
        tlsConfig: { ca: { configMap: { name: 'ca', key: 'ca.crt' } } },
      },
    });
    const { emitted, gauge, clock } = await start(cluster, {
      service_monitor_selector: null,
      probe_selector: {},
    });
    expect(names(emitted[0])).toEqual([]);
    expect((await gauge.get()).values[0]?.labels.reason).toBe(
      'spec.tlsConfig.ca.configMap: key "ca.crt" of ConfigMap obs/ca is not available; create it or fix the reference',
    );
    cluster.collection('configmaps', 'obs').put({
      metadata: { namespace: 'obs', name: 'ca' },
      data: { 'ca.crt': 'CA PEM' },
    });
    clock.advance(50);
    expect(names(emitted.at(-1))).toEqual(['probe/obs/site']);
    expect(emitted.at(-1)?.[0]?.scrapeConfig.tls_config).toEqual({ ca: 'CA PEM' });
  });
});
