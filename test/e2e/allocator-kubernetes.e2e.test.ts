/**
 * The allocator on a real API server: collector pods as the pool and kubernetes_sd_configs as the
 * target source. The control plane has no scheduler or kubelet, so the test creates Nodes, Pods and
 * EndpointSlices itself and patches pod status (phase, IP, Ready) as a kubelet would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyJson, eventually, kubectlOk } from './controller-kube.js';
import { startControlPlane, type ControlPlane } from './harness/control-plane.js';
import { startAllocatorWithConfig } from './support/allocator-process.js';
import { ProcessGroup } from './support/processes.js';

const COLLECTORS_NS = 'observability';
const APPS_NS = 'apps';

interface Group {
  targets: string[];
  labels: Record<string, string>;
}
type ByCollector = Record<string, { targets: Group[] }>;

function pod(
  namespace: string,
  name: string,
  labels: Record<string, string>,
  nodeName: string | undefined,
  ports: { name: string; containerPort: number }[] = [],
): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels },
    spec: {
      serviceAccountName: 'default',
      ...(nodeName === undefined ? {} : { nodeName }),
      containers: [{ name: 'main', image: 'example/app:1', ports }],
    },
  };
}

async function setPodStatus(
  cp: ControlPlane,
  namespace: string,
  name: string,
  status: { ip: string; ready: boolean; since?: string },
): Promise<void> {
  const since = status.since ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const patch = {
    status: {
      phase: 'Running',
      podIP: status.ip,
      podIPs: [{ ip: status.ip }],
      hostIP: '192.168.0.1',
      conditions: [
        { type: 'Ready', status: status.ready ? 'True' : 'False', lastTransitionTime: since },
      ],
    },
  };
  await kubectlOk(cp, [
    'patch',
    'pod',
    name,
    '-n',
    namespace,
    '--subresource=status',
    '--type=merge',
    '-p',
    JSON.stringify(patch),
  ]);
}

describe('otel-ta allocator on Kubernetes', () => {
  let cp: ControlPlane;
  let group: ProcessGroup;
  let perNodeUrl = '';
  let hashingUrl = '';

  async function startAllocator(name: string, strategy: string): Promise<string> {
    const apps = { names: [APPS_NS] };
    const { url } = await startAllocatorWithConfig(group, name, {
      kube_config_file_path: cp.kubeconfigPath,
      collector_namespace: COLLECTORS_NS,
      collector_selector: {
        matchLabels: { app: 'collector' },
        matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['canary'] }],
      },
      allocation_strategy: strategy,
      config: {
        scrape_configs: [
          // The first relies on the allocator's own connection, the others name the kubeconfig.
          { job_name: 'pods', kubernetes_sd_configs: [{ role: 'pod', namespaces: apps }] },
          {
            job_name: 'slices',
            kubernetes_sd_configs: [
              { role: 'endpointslice', namespaces: apps, kubeconfig_file: cp.kubeconfigPath },
            ],
          },
          { job_name: 'nodes', kubernetes_sd_configs: [{ role: 'node' }] },
          {
            job_name: 'endpoints',
            kubernetes_sd_configs: [{ role: 'endpoints', namespaces: apps }],
          },
          {
            job_name: 'ingresses',
            kubernetes_sd_configs: [{ role: 'ingress', namespaces: apps }],
          },
          {
            job_name: 'services',
            kubernetes_sd_configs: [
              { role: 'service', namespaces: apps, kubeconfig_file: cp.kubeconfigPath },
            ],
          },
        ],
      },
    });
    return url;
  }

  async function targetsByCollector(url: string, job: string): Promise<ByCollector> {
    const res = await fetch(`${url}/jobs/${job}/targets`);
    return (await res.json()) as ByCollector;
  }

  /** address -> collector; fails when an address is served to two collectors. */
  function placement(all: ByCollector): Map<string, string> {
    const result = new Map<string, string>();
    for (const [collector, { targets }] of Object.entries(all)) {
      for (const g of targets) {
        for (const address of g.targets) {
          expect(result.has(address), `${address} served twice`).toBe(false);
          result.set(address, collector);
        }
      }
    }
    return result;
  }

  const appAddresses = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => `10.1.0.${10 + i}:8080`);

  beforeAll(async () => {
    cp = await startControlPlane();
    group = await ProcessGroup.create('allocator-kubernetes');
    await applyJson(
      cp,
      ...[COLLECTORS_NS, APPS_NS].map((name) => ({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name },
      })),
    );
    await applyJson(
      cp,
      ...[COLLECTORS_NS, APPS_NS].map((namespace) => ({
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: 'default', namespace },
      })),
      ...['node-a', 'node-b'].map((name) => ({
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name },
      })),
      pod(COLLECTORS_NS, 'collector-0', { app: 'collector' }, 'node-a'),
      pod(COLLECTORS_NS, 'collector-1', { app: 'collector' }, 'node-b'),
      pod(COLLECTORS_NS, 'collector-2', { app: 'collector' }, 'node-a'),
      // Not scheduled yet: no node, so not a collector.
      pod(COLLECTORS_NS, 'collector-pending', { app: 'collector' }, undefined),
      // Not ready for an hour, beyond the 30s grace period.
      pod(COLLECTORS_NS, 'collector-stuck', { app: 'collector' }, 'node-b'),
      // Excluded by the selector's matchExpressions.
      pod(COLLECTORS_NS, 'collector-canary', { app: 'collector', tier: 'canary' }, 'node-b'),
      ...appAddresses.map((_, i) =>
        pod(APPS_NS, `app-${i}`, { app: 'web' }, i % 2 === 0 ? 'node-a' : 'node-b', [
          { name: 'metrics', containerPort: 8080 },
        ]),
      ),
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web', namespace: APPS_NS, labels: { team: 'shop' } },
        spec: { selector: { app: 'web' }, ports: [{ name: 'metrics', port: 8080 }] },
      },
      {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          name: 'web-1',
          namespace: APPS_NS,
          labels: { 'kubernetes.io/service-name': 'web' },
        },
        addressType: 'IPv4',
        ports: [{ name: 'metrics', port: 8080, protocol: 'TCP' }],
        endpoints: appAddresses.map((address, i) => ({
          addresses: [address.split(':')[0]],
          conditions: { ready: true },
          nodeName: i % 2 === 0 ? 'node-a' : 'node-b',
          targetRef: { kind: 'Pod', name: `app-${i}`, namespace: APPS_NS },
        })),
      },
    );
    await applyJson(
      cp,
      {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: { name: 'web', namespace: APPS_NS },
        subsets: [
          {
            addresses: appAddresses.slice(0, 2).map((address, i) => ({
              ip: address.split(':')[0],
              nodeName: i % 2 === 0 ? 'node-a' : 'node-b',
              targetRef: { kind: 'Pod', name: `app-${i}`, namespace: APPS_NS },
            })),
            ports: [{ name: 'metrics', port: 8080, protocol: 'TCP' }],
          },
        ],
      },
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: 'shop', namespace: APPS_NS },
        spec: {
          tls: [{ hosts: ['shop.example.com'] }],
          rules: [
            {
              host: 'shop.example.com',
              http: {
                paths: [
                  {
                    path: '/',
                    pathType: 'Prefix',
                    backend: { service: { name: 'web', port: { number: 8080 } } },
                  },
                ],
              },
            },
          ],
        },
      },
    );
    for (const [i, node] of ['node-a', 'node-b'].entries()) {
      const status = {
        status: {
          addresses: [
            { type: 'Hostname', address: node },
            { type: 'InternalIP', address: `192.168.0.${10 + i}` },
          ],
          daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
        },
      };
      await kubectlOk(cp, [
        'patch',
        'node',
        node,
        '--subresource=status',
        '--type=merge',
        '-p',
        JSON.stringify(status),
      ]);
    }
    for (const [i, name] of [
      'collector-0',
      'collector-1',
      'collector-2',
      'collector-canary',
    ].entries()) {
      await setPodStatus(cp, COLLECTORS_NS, name, { ip: `10.0.0.${i + 1}`, ready: true });
    }
    await setPodStatus(cp, COLLECTORS_NS, 'collector-stuck', {
      ip: '10.0.0.9',
      ready: false,
      since: new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z'),
    });
    for (const [i, address] of appAddresses.entries()) {
      await setPodStatus(cp, APPS_NS, `app-${i}`, { ip: address.split(':')[0]!, ready: true });
    }
  }, 900_000);

  afterAll(async () => {
    await group?.stopAll();
    await cp?.stop();
  });

  it('serves every pod, endpointslice and service target to exactly one ready, scheduled collector pod; deleting a collector moves only its targets', async () => {
    const url = await startAllocator('allocator-hashing', 'consistent-hashing');
    hashingUrl = url;

    const pods = await eventually('all pod targets', async () => {
      const all = await targetsByCollector(url, 'pods');
      const placed = placement(all);
      return placed.size === appAddresses.length ? { all, placed } : undefined;
    });
    expect(Object.keys(pods.all).sort()).toEqual(['collector-0', 'collector-1', 'collector-2']);
    expect([...pods.placed.keys()].sort()).toEqual([...appAddresses].sort());
    const app0 = Object.values(pods.all)
      .flatMap((c) => c.targets)
      .find((g) => g.targets[0] === appAddresses[0]);
    expect(app0?.labels).toMatchObject({
      __meta_kubernetes_namespace: APPS_NS,
      __meta_kubernetes_pod_name: 'app-0',
      __meta_kubernetes_pod_ip: '10.1.0.10',
      __meta_kubernetes_pod_label_app: 'web',
      __meta_kubernetes_pod_labelpresent_app: 'true',
      __meta_kubernetes_pod_container_name: 'main',
      __meta_kubernetes_pod_container_port_name: 'metrics',
      __meta_kubernetes_pod_container_port_number: '8080',
      __meta_kubernetes_pod_node_name: 'node-a',
      __meta_kubernetes_pod_ready: 'true',
      __meta_kubernetes_pod_phase: 'Running',
    });

    const slices = await eventually('all endpointslice targets', async () => {
      const placed = placement(await targetsByCollector(url, 'slices'));
      return placed.size === appAddresses.length ? placed : undefined;
    });
    expect([...slices.keys()].sort()).toEqual([...appAddresses].sort());
    const sliceGroups = Object.values(await targetsByCollector(url, 'slices')).flatMap(
      (c) => c.targets,
    );
    expect(sliceGroups.find((g) => g.targets[0] === appAddresses[1])?.labels).toMatchObject({
      __meta_kubernetes_endpointslice_name: 'web-1',
      __meta_kubernetes_endpointslice_port: '8080',
      __meta_kubernetes_endpointslice_endpoint_node_name: 'node-b',
      __meta_kubernetes_endpointslice_address_target_kind: 'Pod',
      __meta_kubernetes_endpointslice_address_target_name: 'app-1',
      __meta_kubernetes_service_name: 'web',
      __meta_kubernetes_service_label_team: 'shop',
      __meta_kubernetes_pod_name: 'app-1',
      __meta_kubernetes_pod_container_port_name: 'metrics',
    });

    const services = await eventually('the service target', async () => {
      const placed = placement(await targetsByCollector(url, 'services'));
      return placed.size === 1 ? placed : undefined;
    });
    expect([...services.keys()]).toEqual(['web.apps.svc:8080']);

    // One collector pod goes away: only the targets it had move, to the survivors.
    const before = pods.placed;
    // Forced: without a kubelet nothing would confirm a graceful deletion.
    await kubectlOk(cp, [
      'delete',
      'pod',
      'collector-1',
      '-n',
      COLLECTORS_NS,
      '--grace-period=0',
      '--force',
    ]);
    const after = await eventually('collector-1 to leave the pool', async () => {
      const all = await targetsByCollector(url, 'pods');
      return Object.keys(all).includes('collector-1') ? undefined : placement(all);
    });
    expect(after.size).toBe(appAddresses.length);
    for (const [address, collector] of before) {
      if (collector !== 'collector-1') expect(after.get(address)).toBe(collector);
      else expect(['collector-0', 'collector-2']).toContain(after.get(address));
    }
  }, 120_000);

  it('per-node assigns each pod target to a collector on the same node', async () => {
    // collector-1 was deleted above; put a collector back on node-b.
    await applyJson(cp, pod(COLLECTORS_NS, 'collector-b', { app: 'collector' }, 'node-b'));
    await setPodStatus(cp, COLLECTORS_NS, 'collector-b', { ip: '10.0.0.20', ready: true });
    const url = await startAllocator('allocator-per-node', 'per-node');
    perNodeUrl = url;
    const nodeOf: Record<string, string> = {
      'collector-0': 'node-a',
      'collector-2': 'node-a',
      'collector-b': 'node-b',
    };
    const all = await eventually('all pod targets placed per node', async () => {
      const byCollector = await targetsByCollector(url, 'pods');
      return placement(byCollector).size === appAddresses.length ? byCollector : undefined;
    });
    for (const [collector, { targets }] of Object.entries(all)) {
      for (const g of targets) {
        expect(g.labels.__meta_kubernetes_pod_node_name).toBe(nodeOf[collector]);
      }
    }
    expect(all['collector-b']?.targets.length).toBe(appAddresses.length / 2);
  }, 120_000);

  it('discovers nodes (kubelet at the InternalIP, per-node on their own node), endpoints and ingresses', async () => {
    const nodes = await eventually('both node targets', async () => {
      const all = await targetsByCollector(perNodeUrl, 'nodes');
      return placement(all).size === 2 ? all : undefined;
    });
    expect(nodes['collector-b']?.targets.map((g) => g.targets)).toEqual([['192.168.0.11:10250']]);
    expect(nodes['collector-b']?.targets[0]?.labels).toMatchObject({
      __address__: '192.168.0.11:10250',
      instance: 'node-b',
      __meta_kubernetes_node_name: 'node-b',
      __meta_kubernetes_node_provider_id: '',
      __meta_kubernetes_node_address_Hostname: 'node-b',
      __meta_kubernetes_node_address_InternalIP: '192.168.0.11',
    });

    const endpoints = await eventually('both endpoints targets', async () => {
      const all = await targetsByCollector(perNodeUrl, 'endpoints');
      const groups = Object.values(all).flatMap((c) => c.targets);
      return groups.length === 2 ? groups : undefined;
    });
    expect(endpoints.find((g) => g.targets[0] === appAddresses[1])?.labels).toMatchObject({
      __meta_kubernetes_endpoints_name: 'web',
      __meta_kubernetes_endpoint_ready: 'true',
      __meta_kubernetes_endpoint_node_name: 'node-b',
      __meta_kubernetes_endpoint_port_name: 'metrics',
      __meta_kubernetes_service_name: 'web',
      __meta_kubernetes_pod_name: 'app-1',
    });

    // Ingress targets carry no node: per-node without a fallback leaves them unassigned, so the
    // consistent-hashing allocator of the first test serves it.
    const ingress = await eventually('the ingress target', async () => {
      const all = await targetsByCollector(hashingUrl, 'ingresses');
      const groups = Object.values(all).flatMap((c) => c.targets);
      return groups.length === 1 ? groups[0] : undefined;
    });
    expect(ingress.targets).toEqual(['shop.example.com']);
    expect(ingress.labels).toMatchObject({
      __meta_kubernetes_ingress_name: 'shop',
      __meta_kubernetes_ingress_scheme: 'https',
      __meta_kubernetes_ingress_host: 'shop.example.com',
      __meta_kubernetes_ingress_path: '/',
    });
  }, 120_000);
});
