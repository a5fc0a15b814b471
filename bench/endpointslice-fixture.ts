import type { Labels, TargetGroup } from '../src/allocator/model.js';

/**
 * Target groups shaped like Prometheus's Kubernetes EndpointSlice discovery: one group per slice
 * (slice, service and namespace labels), one target per endpoint port with ~22 endpoint and pod
 * labels, ~30 in all, mostly `__meta_kubernetes_*`. Deterministic for a given seed.
 */
export interface FixtureOptions {
  readonly jobs: number;
  /** Targets per job that survive the relabel filter; about 5% more are generated and dropped. */
  readonly targetsPerJob: number;
  readonly nodes: number;
  readonly seed: number;
}

export const ENDPOINTS_PER_SLICE = 100;

/** A typical `kubernetes-service-endpoints`-style relabel_configs list (keep, address rewrite, labelmap, copies). */
export const RELABEL_CONFIGS: readonly Record<string, unknown>[] = [
  {
    source_labels: ['__meta_kubernetes_service_annotation_prometheus_io_scrape'],
    action: 'keep',
    regex: 'true',
  },
  {
    source_labels: ['__meta_kubernetes_endpointslice_port_name'],
    action: 'drop',
    regex: 'grpc|health',
  },
  {
    source_labels: ['__meta_kubernetes_service_annotation_prometheus_io_scheme'],
    action: 'replace',
    target_label: '__scheme__',
    regex: '(https?)',
  },
  {
    source_labels: ['__meta_kubernetes_service_annotation_prometheus_io_path'],
    action: 'replace',
    target_label: '__metrics_path__',
    regex: '(.+)',
  },
  {
    source_labels: ['__address__', '__meta_kubernetes_service_annotation_prometheus_io_port'],
    action: 'replace',
    target_label: '__address__',
    regex: '([^:]+)(?::\\d+)?;(\\d+)',
    replacement: '$1:$2',
  },
  { action: 'labelmap', regex: '__meta_kubernetes_service_label_(.+)' },
  { source_labels: ['__meta_kubernetes_namespace'], action: 'replace', target_label: 'namespace' },
  { source_labels: ['__meta_kubernetes_service_name'], action: 'replace', target_label: 'service' },
  { source_labels: ['__meta_kubernetes_pod_name'], action: 'replace', target_label: 'pod' },
  { source_labels: ['__meta_kubernetes_pod_node_name'], action: 'replace', target_label: 'node' },
];

/** mulberry32: a tiny seeded PRNG, so every run builds the same cluster. */
function random(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hex(next: () => number, length: number): string {
  let out = '';
  while (out.length < length)
    out += Math.floor(next() * 0x100000000)
      .toString(16)
      .padStart(8, '0');
  return out.slice(0, length);
}

/** Labels of one slice: shared by all its endpoints, as Kubernetes SD does. */
function sliceLabels(job: number, slice: number, namespace: string): Labels {
  const service = `svc-${job}-${slice}`;
  return {
    __meta_kubernetes_namespace: namespace,
    __meta_kubernetes_endpointslice_name: `${service}-x${slice.toString(36)}`,
    __meta_kubernetes_endpointslice_address_type: 'IPv4',
    __meta_kubernetes_endpointslice_label_kubernetes_io_service_name: service,
    __meta_kubernetes_endpointslice_labelpresent_kubernetes_io_service_name: 'true',
    __meta_kubernetes_service_name: service,
    __meta_kubernetes_service_label_app_kubernetes_io_name: `app-${job}`,
    __meta_kubernetes_service_labelpresent_app_kubernetes_io_name: 'true',
    __meta_kubernetes_service_annotation_prometheus_io_scrape: 'true',
    __meta_kubernetes_service_annotation_prometheus_io_port: '9090',
  };
}

export function endpointSliceGroups(options: FixtureOptions): TargetGroup[][] {
  const next = random(options.seed);
  const jobs: TargetGroup[][] = [];
  let ip = 0;
  for (let job = 0; job < options.jobs; job++) {
    const groups: TargetGroup[] = [];
    let kept = 0;
    for (let slice = 0; kept < options.targetsPerJob; slice++) {
      const namespace = `team-${slice % 40}`;
      const targets: Labels[] = [];
      for (let e = 0; e < ENDPOINTS_PER_SLICE && kept < options.targetsPerJob; e++) {
        ip++;
        // One endpoint in twenty exposes a port the relabel rules drop (grpc).
        const dropped = next() < 0.05;
        if (!dropped) kept++;
        const podIp = `10.${(ip >> 16) & 255}.${(ip >> 8) & 255}.${ip & 255}`;
        const pod = `app-${job}-${hex(next, 10)}-${hex(next, 5)}`;
        const node = `node-${Math.floor(next() * options.nodes)}`;
        const portName = dropped ? 'grpc' : 'metrics';
        targets.push({
          __address__: `${podIp}:8080`,
          __meta_kubernetes_endpointslice_address_target_kind: 'Pod',
          __meta_kubernetes_endpointslice_address_target_name: pod,
          __meta_kubernetes_endpointslice_endpoint_conditions_ready: 'true',
          __meta_kubernetes_endpointslice_endpoint_conditions_serving: 'true',
          __meta_kubernetes_endpointslice_endpoint_conditions_terminating: 'false',
          __meta_kubernetes_endpointslice_endpoint_node_name: node,
          __meta_kubernetes_endpointslice_port: '8080',
          __meta_kubernetes_endpointslice_port_name: portName,
          __meta_kubernetes_endpointslice_port_protocol: 'TCP',
          __meta_kubernetes_pod_name: pod,
          __meta_kubernetes_pod_ip: podIp,
          __meta_kubernetes_pod_uid: `${hex(next, 8)}-${hex(next, 4)}-${hex(next, 4)}-${hex(next, 4)}-${hex(next, 12)}`,
          __meta_kubernetes_pod_node_name: node,
          __meta_kubernetes_pod_host_ip: `192.168.${(ip >> 8) & 255}.${ip & 255}`,
          __meta_kubernetes_pod_ready: 'true',
          __meta_kubernetes_pod_phase: 'Running',
          __meta_kubernetes_pod_container_name: 'app',
          __meta_kubernetes_pod_container_port_name: portName,
          __meta_kubernetes_pod_container_port_number: '8080',
          __meta_kubernetes_pod_controller_kind: 'ReplicaSet',
          __meta_kubernetes_pod_controller_name: `app-${job}-${slice}`,
        });
      }
      groups.push({
        source: `endpointslice/${namespace}/svc-${job}-${slice}`,
        targets,
        labels: sliceLabels(job, slice, namespace),
      });
    }
    // Discovery decodes API-server JSON: flat strings and plain objects, not the ropes built above.
    jobs.push(JSON.parse(JSON.stringify(groups)) as TargetGroup[]);
  }
  return jobs;
}
