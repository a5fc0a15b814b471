import type { Labels, Target } from '../src/allocator/model.js';

/**
 * Synthetic Kubernetes-looking targets for the HTTP benchmark: `labelCount` labels each, a few
 * unique per target (pod name, IP, uid), the rest drawn from small pools, as pod discovery yields.
 */
export interface FixtureOptions {
  readonly targets: number;
  readonly jobs: number;
  readonly labels: number;
}

const NAMESPACES = Array.from({ length: 20 }, (_, i) => `team-${i}-production`);
const NODES = Array.from(
  { length: 200 },
  (_, i) => `ip-10-0-${i >> 4}-${i}.eu-west-1.compute.internal`,
);

function podLabels(job: string, i: number, labelCount: number): Labels {
  const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  const address = `${ip}:9100`;
  const ns = NAMESPACES[i % NAMESPACES.length]!;
  const labels: Record<string, string> = {
    __address__: address,
    __meta_kubernetes_namespace: ns,
    __meta_kubernetes_pod_name: `${job}-deployment-7d9f8b6c5d-${i.toString(36).padStart(5, 'x')}`,
    __meta_kubernetes_pod_ip: ip,
    __meta_kubernetes_pod_uid: `6f1c2a3e-0000-4000-8000-${i.toString(16).padStart(12, '0')}`,
    __meta_kubernetes_pod_node_name: NODES[i % NODES.length]!,
    __meta_kubernetes_pod_container_name: 'app',
    __meta_kubernetes_pod_container_port_name: 'metrics',
    __meta_kubernetes_pod_container_port_number: '9100',
    __meta_kubernetes_pod_container_port_protocol: 'TCP',
    __meta_kubernetes_pod_phase: 'Running',
    __meta_kubernetes_pod_ready: 'true',
    __meta_kubernetes_pod_controller_kind: 'ReplicaSet',
    __meta_kubernetes_pod_controller_name: `${job}-deployment-7d9f8b6c5d`,
    __meta_kubernetes_pod_label_app_kubernetes_io_name: job,
    __meta_kubernetes_pod_labelpresent_app_kubernetes_io_name: 'true',
  };
  for (let k = Object.keys(labels).length; k < labelCount; k++) {
    labels[`__meta_kubernetes_pod_annotation_example_com_setting_${k}`] = `value-${k % 7}`;
  }
  return labels;
}

/** `count` targets spread over `jobs` jobs named `job-000`... */
export function buildTargets(options: FixtureOptions): Target[] {
  const targets: Target[] = [];
  for (let i = 0; i < options.targets; i++) {
    const job = `job-${String(i % options.jobs).padStart(3, '0')}`;
    const labels = podLabels(job, i, options.labels);
    targets.push({
      id: `${job}/${i}`,
      job,
      address: labels.__address__!,
      labels,
      nodeName: labels.__meta_kubernetes_pod_node_name,
    });
  }
  return targets;
}
