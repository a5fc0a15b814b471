/**
 * `attach_metadata.node` on a real API server: the allocator's pod and endpointslice jobs carry the
 * labels of each target's node, and relabeling a node (as `kubectl label node` does) reaches the
 * served targets without restarting anything. No scheduler or kubelet runs, so the test creates
 * Nodes and Pods itself and patches pod status as a kubelet would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyJson, eventually, kubectlOk } from './controller-kube.js';
import { startControlPlane, type ControlPlane } from './harness/control-plane.js';
import { startAllocatorWithConfig } from './support/allocator-process.js';
import { ProcessGroup } from './support/processes.js';

const NS = 'attach';
const ZONE = 'topology.kubernetes.io/zone';
const ZONE_LABEL = '__meta_kubernetes_node_label_topology_kubernetes_io_zone';

interface Group {
  targets: string[];
  labels: Record<string, string>;
}

function pod(name: string, labels: Record<string, string>, nodeName: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, labels },
    spec: {
      serviceAccountName: 'default',
      nodeName,
      containers: [{ name: 'main', image: 'example/app:1', ports: [{ containerPort: 8080 }] }],
    },
  };
}

async function setRunning(cp: ControlPlane, name: string, ip: string): Promise<void> {
  const since = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const status = {
    status: {
      phase: 'Running',
      podIP: ip,
      podIPs: [{ ip }],
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: since }],
    },
  };
  await kubectlOk(cp, [
    'patch',
    'pod',
    name,
    '-n',
    NS,
    '--subresource=status',
    '--type=merge',
    '-p',
    JSON.stringify(status),
  ]);
}

describe('otel-ta allocator: kubernetes_sd attach_metadata.node', () => {
  let cp: ControlPlane;
  let group: ProcessGroup;

  beforeAll(async () => {
    cp = await startControlPlane();
    group = await ProcessGroup.create('allocator-attach-node');
    await applyJson(cp, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    await applyJson(
      cp,
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: NS } },
      { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a', labels: { [ZONE]: 'z1' } } },
      pod('collector-0', { app: 'collector' }, 'node-a'),
      pod('app-0', { app: 'web' }, 'node-a'),
      // Its node does not exist yet.
      pod('app-1', { app: 'web' }, 'node-late'),
      {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: 'web-1', namespace: NS, labels: { 'kubernetes.io/service-name': 'web' } },
        addressType: 'IPv4',
        ports: [{ name: 'metrics', port: 8080, protocol: 'TCP' }],
        endpoints: [
          {
            addresses: ['10.2.0.10'],
            conditions: { ready: true },
            nodeName: 'node-a',
            targetRef: { kind: 'Pod', name: 'app-0', namespace: NS },
          },
        ],
      },
    );
    await setRunning(cp, 'collector-0', '10.2.0.1');
    await setRunning(cp, 'app-0', '10.2.0.10');
    await setRunning(cp, 'app-1', '10.2.0.11');
  }, 900_000);

  afterAll(async () => {
    await group?.stopAll();
    await cp?.stop();
  });

  it('serves node labels on pod and endpointslice targets and follows node relabels and new nodes', async () => {
    const namespaces = { names: [NS] };
    const { url } = await startAllocatorWithConfig(group, 'allocator-attach-node', {
      kube_config_file_path: cp.kubeconfigPath,
      collector_namespace: NS,
      collector_selector: { matchLabels: { app: 'collector' } },
      config: {
        scrape_configs: [
          {
            job_name: 'pods',
            kubernetes_sd_configs: [
              {
                role: 'pod',
                namespaces,
                selectors: [{ role: 'pod', label: 'app=web' }],
                attach_metadata: { node: true },
              },
            ],
          },
          {
            job_name: 'slices',
            kubernetes_sd_configs: [
              { role: 'endpointslice', namespaces, attach_metadata: { node: true } },
            ],
          },
        ],
      },
    });
    const groups = async (job: string): Promise<Map<string, Record<string, string>>> => {
      const res = await fetch(`${url}/jobs/${job}/targets?collector_id=collector-0`);
      const body = (await res.json()) as Group[];
      return new Map(body.map((g) => [g.targets[0] ?? '', g.labels]));
    };

    const pods = await eventually('both pod targets', async () => {
      const byAddress = await groups('pods');
      return byAddress.size === 2 ? byAddress : undefined;
    });
    expect(pods.get('10.2.0.10:8080')).toMatchObject({
      __meta_kubernetes_pod_name: 'app-0',
      __meta_kubernetes_node_name: 'node-a',
      [ZONE_LABEL]: 'z1',
      __meta_kubernetes_node_labelpresent_topology_kubernetes_io_zone: 'true',
    });
    // Unknown node: still a target, without node labels.
    expect(pods.get('10.2.0.11:8080')).not.toHaveProperty('__meta_kubernetes_node_name');

    const slice = await eventually('the endpointslice target', async () =>
      (await groups('slices')).get('10.2.0.10:8080'),
    );
    expect(slice).toMatchObject({
      __meta_kubernetes_endpointslice_endpoint_node_name: 'node-a',
      __meta_kubernetes_node_name: 'node-a',
      [ZONE_LABEL]: 'z1',
    });

    await kubectlOk(cp, ['label', 'node', 'node-a', `${ZONE}=z2`, '--overwrite']);
    await eventually('the relabeled zone on the pod target', async () => {
      return (await groups('pods')).get('10.2.0.10:8080')?.[ZONE_LABEL] === 'z2';
    });
    await eventually('the relabeled zone on the endpointslice target', async () => {
      return (await groups('slices')).get('10.2.0.10:8080')?.[ZONE_LABEL] === 'z2';
    });

    await applyJson(cp, {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'node-late', labels: { [ZONE]: 'z3' } },
    });
    await eventually('the new node labels on the pod scheduled there', async () => {
      return (await groups('pods')).get('10.2.0.11:8080')?.[ZONE_LABEL] === 'z3';
    });
  }, 180_000);
});
