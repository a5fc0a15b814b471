/**
 * Benchmark of the Prometheus CR watcher: CPU time of the first job set (translate and plan every
 * monitor) and of the recompute after one monitor changes, on in-memory collections. Prints JSON.
 * Run: `npx tsx src/allocator/prometheus-cr/prometheus-cr-watcher.bench.ts [count] [kind]`, kind
 * one of servicemonitors (default), scrapeconfigs (static targets), probes (static URLs).
 */
import { buildAllocatorConfig } from '../../config/allocator-config.js';
import type { KubeObject } from '../../k8s/object.js';
import { silentLogger } from '../../observability/logger.js';
import { createKubernetesSdFactory } from '../discovery/kubernetes/kubernetes-sd-provider.js';
import { ManualClock } from '../discovery/manual-clock.js';
import { DiscoveryRegistry } from '../discovery/registry.js';
import { staticProviderFactory } from '../discovery/static-provider.js';
import { createJobPlanner } from '../discovery/scrape-jobs.js';
import { MemoryCluster } from './memory-cluster.js';
import { PrometheusCrWatcher } from './prometheus-cr-watcher.js';

const MONITORS = Number(process.argv[2] ?? 1000);
const KIND = process.argv[3] ?? 'servicemonitors';
const CHANGES = 21;

/** One object of KIND; `variant` changes its generated job (the recompute under test). */
function resource(i: number, variant: boolean): KubeObject {
  const metadata = { namespace: `ns${i % 50}`, name: `m${i}` };
  const relabelings = [{ sourceLabels: ['__address__'], targetLabel: 'host', regex: '(.*):.*' }];
  switch (KIND) {
    case 'servicemonitors':
      return serviceMonitor(i, variant ? 'other' : 'metrics');
    case 'scrapeconfigs':
      return {
        metadata,
        spec: {
          scrapeInterval: variant ? '30s' : '15s',
          staticConfigs: [{ targets: [`host-${i}-a:9100`, `host-${i}-b:9100`] }],
          relabelings,
        },
      };
    case 'probes':
      return {
        metadata,
        spec: {
          module: variant ? 'icmp' : 'http_2xx',
          prober: { url: 'blackbox:9115' },
          targets: {
            staticConfig: {
              static: [`https://site-${i}.example/`],
              relabelingConfigs: relabelings,
            },
          },
        },
      };
    default:
      throw new Error(`unknown kind ${KIND}: use servicemonitors, scrapeconfigs or probes`);
  }
}

function serviceMonitor(i: number, port = 'metrics'): KubeObject {
  return {
    metadata: { namespace: `ns${i % 50}`, name: `m${i}` },
    spec: {
      selector: { matchLabels: { app: `a${i}` } },
      endpoints: [
        {
          port,
          interval: '15s',
          relabelings: [{ sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: 'node' }],
        },
      ],
    },
  };
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
}

async function main(): Promise<void> {
  const cluster = new MemoryCluster();
  const monitors = cluster.collection(KIND);
  for (let i = 0; i < MONITORS; i++) monitors.put(resource(i, false));
  const config = buildAllocatorConfig({
    flags: {},
    env: {},
    file: {
      path: '/etc/ta.yaml',
      text: JSON.stringify({
        collectors: ['c'],
        prometheus_cr: {
          enabled: true,
          service_monitor_selector: {},
          scrape_config_selector: {},
          probe_selector: {},
        },
      }),
    },
  });
  // Providers are planned, never started: the connection is not used.
  const registry = new DiscoveryRegistry()
    .register('static_configs', staticProviderFactory)
    .register(
      'kubernetes_sd_configs',
      createKubernetesSdFactory({ connect: () => Promise.reject(new Error('not started')) }),
    );
  const clock = new ManualClock();
  const watcher = new PrometheusCrWatcher({
    config: config.prometheusCr,
    collectorNamespace: undefined,
    listWatch: cluster.listWatch,
    planner: createJobPlanner(config, registry, silentLogger()),
    logger: silentLogger(),
    clock,
  });
  let emitted = 0;
  const first = process.cpuUsage();
  await watcher.start(() => (emitted += 1));
  while (emitted === 0) await new Promise((r) => setTimeout(r, 1));
  const firstSetCpuMs = cpuMs(first);
  const samples: number[] = [];
  for (let k = 0; k < CHANGES; k++) {
    monitors.put(resource(k, k % 2 === 1));
    await new Promise((r) => setTimeout(r, 1));
    const before = emitted;
    const started = process.cpuUsage();
    clock.advance(50);
    samples.push(cpuMs(started));
    if (emitted !== before + 1) throw new Error('the change was not emitted');
  }
  await watcher.stop();
  samples.sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      kind: KIND,
      monitors: MONITORS,
      firstSetCpuMs: Math.round(firstSetCpuMs),
      changeRecomputeCpuMs: {
        median: Number(samples[Math.floor(CHANGES / 2)]?.toFixed(2)),
        max: Number(samples[CHANGES - 1]?.toFixed(2)),
      },
    }),
  );
}

await main();
