/**
 * Benchmark of the target pipeline (merge, seed, relabel, identity, dedup) on Kubernetes-pod-like
 * targets. Prints JSON. Run: `npx tsx --expose-gc src/allocator/targets/build-targets.bench.ts [targets]`
 * (`node --expose-gc --import tsx ...` also works).
 */
import os from 'node:os';
import type { Labels, TargetGroup } from '../model.js';
import { TargetBuilder } from './build-targets.js';
import { scrapeJobSettingsFromConfig } from './scrape-job-settings.js';

const TARGETS = Number(process.argv[2] ?? 100_000);

/** A typical kubernetes-pods job: keep annotated pods, path/port from annotations, pod labels. */
const SCRAPE_CONFIG = {
  job_name: 'kubernetes-pods',
  relabel_configs: [
    {
      source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_scrape'],
      action: 'keep',
      regex: 'true',
    },
    {
      source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_path'],
      target_label: '__metrics_path__',
      regex: '(.+)',
    },
    {
      source_labels: ['__address__', '__meta_kubernetes_pod_annotation_prometheus_io_port'],
      regex: '([^:]+)(?::\\d+)?;(\\d+)',
      replacement: '$1:$2',
      target_label: '__address__',
    },
    { action: 'labelmap', regex: '__meta_kubernetes_pod_label_(.+)' },
    { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
    { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
  ],
};

function podGroup(i: number): TargetGroup {
  const ns = `ns-${i % 500}`;
  const app = `app-${i % 2000}`;
  const pod = `${app}-${(i * 2654435761) % 1e9}`;
  const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  const labels: Labels = {
    __meta_kubernetes_namespace: ns,
    __meta_kubernetes_pod_name: pod,
    __meta_kubernetes_pod_ip: ip,
    __meta_kubernetes_pod_uid: `uid-${i}`,
    __meta_kubernetes_pod_node_name: `node-${i % 300}`,
    __meta_kubernetes_pod_host_ip: `192.168.${(i >> 8) & 255}.${i % 300}`,
    __meta_kubernetes_pod_ready: 'true',
    __meta_kubernetes_pod_phase: 'Running',
    __meta_kubernetes_pod_controller_kind: 'ReplicaSet',
    __meta_kubernetes_pod_controller_name: `${app}-rs`,
    __meta_kubernetes_pod_label_app: app,
    __meta_kubernetes_pod_labelpresent_app: 'true',
    __meta_kubernetes_pod_label_pod_template_hash: 'abc123',
    __meta_kubernetes_pod_labelpresent_pod_template_hash: 'true',
    __meta_kubernetes_pod_label_version: `v${i % 7}`,
    __meta_kubernetes_pod_labelpresent_version: 'true',
    __meta_kubernetes_pod_annotation_prometheus_io_scrape: i % 10 === 0 ? 'false' : 'true',
    __meta_kubernetes_pod_annotationpresent_prometheus_io_scrape: 'true',
    __meta_kubernetes_pod_annotation_prometheus_io_port: '9090',
    __meta_kubernetes_pod_annotationpresent_prometheus_io_port: 'true',
    __meta_kubernetes_pod_annotation_prometheus_io_path: '/stats/prometheus',
    __meta_kubernetes_pod_annotationpresent_prometheus_io_path: 'true',
    __meta_kubernetes_pod_service_account: 'default',
    __meta_kubernetes_pod_priority_class: 'normal',
  };
  const target: Labels = {
    __address__: `${ip}:8080`,
    __meta_kubernetes_pod_container_name: 'main',
    __meta_kubernetes_pod_container_image: `registry/${app}:1.0`,
    __meta_kubernetes_pod_container_init: 'false',
    __meta_kubernetes_pod_container_port_name: 'http',
    __meta_kubernetes_pod_container_port_number: '8080',
    __meta_kubernetes_pod_container_port_protocol: 'TCP',
  };
  return { source: `pod/${ns}/${pod}`, labels, targets: [target] };
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

const settings = scrapeJobSettingsFromConfig(SCRAPE_CONFIG, {}, { filterByRelabel: true });
const groups = Array.from({ length: TARGETS }, (_, i) => podGroup(i));
const labelsPerTarget =
  Object.keys(groups[0]!.labels).length + Object.keys(groups[0]!.targets[0]!).length;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Number(sorted[Math.floor(sorted.length / 2)]!.toFixed(1));
}

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

// The machine is shared: CPU time of this process is reported next to wall time, since under
// load the wall time mostly measures waiting for a core.
const builder = new TargetBuilder(settings);
const cold: number[] = [];
const coldCpu: number[] = [];
let report = builder.build(groups);
for (let i = 0; i < 5; i++) {
  builder.reset();
  gc();
  const cpu = cpuMs();
  const start = process.hrtime.bigint();
  report = builder.build(groups);
  cold.push(Number(process.hrtime.bigint() - start) / 1e6);
  coldCpu.push(cpuMs() - cpu);
}
// A rebuild after one group changed: what the allocator does on every discovery event.
const warm: number[] = [];
for (let i = 0; i < 5; i++) {
  const changed = [...groups];
  changed[i] = podGroup(TARGETS + i);
  const start = process.hrtime.bigint();
  builder.build(changed);
  warm.push(Number(process.hrtime.bigint() - start) / 1e6);
}

// Relabel filter + identity alone (what a reprocess must redo per target), no Targets built.
const filterCpu: number[] = [];
const filterWall: number[] = [];
for (let r = 0; r < 5; r++) {
  const filter = new TargetBuilder(settings);
  gc();
  const cpu = cpuMs();
  const start = process.hrtime.bigint();
  let kept = 0;
  for (const group of groups) {
    for (const own of group.targets)
      if (typeof filter.identify(own, group.labels) === 'string') kept++;
  }
  filterWall.push(Number(process.hrtime.bigint() - start) / 1e6);
  filterCpu.push(cpuMs() - cpu);
  if (kept !== report.targets.length)
    throw new Error('filter benchmark disagrees with the builder');
}

// Calibration of the machine's current speed for allocation-heavy work: 1e6 fresh strings into a Set.
const calibration = ((): number => {
  const cpu = cpuMs();
  const set = new Set<string>();
  for (let i = 0; i < 1_000_000; i++) set.add(`k${i}`);
  return Number((cpuMs() - cpu).toFixed(1));
})();

// Retained memory of one result (targets, merged label objects, ids), groups excluded.
gc();
const before = process.memoryUsage().heapUsed;
const retained = new TargetBuilder(settings).build(groups);
gc();
const after = process.memoryUsage().heapUsed;

console.log(
  JSON.stringify(
    {
      benchmark: 'TargetBuilder.build',
      targets: TARGETS,
      labelsPerTarget,
      relabelRules: SCRAPE_CONFIG.relabel_configs.length,
      kept: report.targets.length,
      droppedByRelabel: report.droppedByRelabel,
      duplicates: report.duplicates,
      coldMsMedian: median(cold),
      coldCpuMsMedian: median(coldCpu),
      coldCpuNsPerTarget: Math.round((median(coldCpu) * 1e6) / TARGETS),
      loadAverage1m: Number(os.loadavg()[0]!.toFixed(1)),
      cores: os.cpus().length,
      rebuildOneGroupChangedMsMedian: median(warm),
      filterAndIdentityMsMedian: median(filterWall),
      filterAndIdentityCpuMsMedian: median(filterCpu),
      calibrationSetAdd1e6CpuMs: calibration,
      retainedBytesPerKeptTarget: Math.round((after - before) / retained.targets.length),
      gcExposed: typeof (globalThis as { gc?: unknown }).gc === 'function',
    },
    null,
    2,
  ),
);
