import { afterEach, describe, expect, it } from 'vitest';
import type { Selection } from '../../../k8s/list-watch.js';
import type { KubeObject } from '../../../k8s/object.js';
import type { ResourceType } from '../../../k8s/resource-path.js';
import type { KubeApi } from '../../../k8s/rest-client.js';
import type { TargetGroup } from '../../model.js';
import type { DiscoveryProvider } from '../provider.js';
import { testContext } from '../test-support.js';
import type { Pod } from './kube-types.js';
import { createKubernetesSdFactory } from './kubernetes-sd-provider.js';
import { MemoryCollection } from './memory-list-watch.js';

/**
 * The API server here is in-memory collections (one per resource and namespace); the same provider
 * runs against a real API server in test/e2e/allocator-kubernetes.e2e.test.ts.
 */
class MemoryCluster {
  private readonly collections = new Map<string, MemoryCollection<KubeObject>>();
  readonly selections: Selection[] = [];

  collection(resource: string, namespace?: string): MemoryCollection<KubeObject> {
    const key = `${resource}/${namespace ?? '*'}`;
    let c = this.collections.get(key);
    if (c === undefined) this.collections.set(key, (c = new MemoryCollection()));
    return c;
  }

  listWatch = (): ((type: ResourceType, s: Selection) => MemoryCollection<KubeObject>) => {
    return (type, selection) => {
      this.selections.push(selection);
      return this.collection(type.resource, selection.namespace);
    };
  };
}

const NO_API: KubeApi = {
  request: () => Promise.reject(new Error('unused: collections are in memory')),
  watch: () => Promise.reject(new Error('unused: collections are in memory')),
};

function appPod(name: string, labels: Record<string, string> = {}): Pod {
  return {
    metadata: { name, namespace: 'a', labels },
    spec: { containers: [{ name: 'c', ports: [{ containerPort: 80 }] }] },
    status: { podIP: `10.0.0.${name.length}` },
  };
}

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 5));

describe('kubernetes_sd provider', () => {
  let provider: DiscoveryProvider | undefined;
  afterEach(async () => provider?.stop());

  async function start(
    cluster: MemoryCluster,
    config: Record<string, unknown>,
  ): Promise<(readonly TargetGroup[])[]> {
    const factory = createKubernetesSdFactory({
      connect: () => Promise.resolve(NO_API),
      ownNamespace: 'own',
      listWatch: cluster.listWatch,
    });
    provider = factory(config, testContext());
    const emissions: (readonly TargetGroup[])[] = [];
    await provider.start((groups) => emissions.push(groups));
    await tick();
    return emissions;
  }

  it('emits the initial list at once, then only the group of the object that changed or went away', async () => {
    const cluster = new MemoryCluster();
    const pods = cluster.collection('pods');
    pods.put(appPod('p1'));
    pods.put(appPod('p22'));
    const emissions = await start(cluster, { role: 'pod' });
    expect(emissions).toHaveLength(1);
    expect(emissions[0]?.map((g) => g.source).sort()).toEqual(['pod/a/p1', 'pod/a/p22']);

    pods.put(appPod('p1', { v: '2' }));
    await tick();
    expect(emissions).toHaveLength(2);
    expect(emissions[1]?.map((g) => g.source)).toEqual(['pod/a/p1']);
    expect(emissions[1]?.[0]?.labels.__meta_kubernetes_pod_label_v).toBe('2');

    pods.remove('a/p22');
    await tick();
    expect(emissions[2]).toEqual([{ source: 'pod/a/p22', targets: [], labels: {} }]);
  });

  it('re-emits an endpointslice when its service appears or a pod it points at changes', async () => {
    const cluster = new MemoryCluster();
    cluster.collection('pods').put(appPod('p1'));
    cluster.collection('endpointslices').put({
      metadata: { name: 's1', namespace: 'a', labels: { 'kubernetes.io/service-name': 'web' } },
      addressType: 'IPv4',
      ports: [{ port: 80 }],
      endpoints: [{ addresses: ['10.0.0.2'], targetRef: { kind: 'Pod', name: 'p1' } }],
    });
    const emissions = await start(cluster, { role: 'endpointslice' });
    expect(emissions).toHaveLength(1);
    expect(emissions[0]?.[0]?.labels).not.toHaveProperty('__meta_kubernetes_service_name');
    expect(emissions[0]?.[0]?.targets[0]?.__meta_kubernetes_pod_name).toBe('p1');

    cluster.collection('services').put({ metadata: { name: 'web', namespace: 'a' } });
    await tick();
    expect(emissions[1]?.[0]?.labels.__meta_kubernetes_service_name).toBe('web');

    cluster.collection('pods').put(appPod('p1', { version: 'v2' }));
    await tick();
    expect(emissions[2]?.map((g) => g.source)).toEqual(['endpointslice/a/s1']);
    expect(emissions[2]?.[0]?.targets[0]?.__meta_kubernetes_pod_label_version).toBe('v2');

    // A pod no slice points at changes nothing.
    cluster.collection('pods').put(appPod('unrelated'));
    await tick();
    expect(emissions).toHaveLength(3);
  });

  it('stops while a watch it waits for has not listed yet (API server unreachable)', async () => {
    const cluster = new MemoryCluster();
    // The services list never answers until aborted, as a request to an unreachable server.
    const unanswered = {
      list: (signal: AbortSignal): Promise<never> =>
        new Promise((_, reject) =>
          signal.addEventListener('abort', () => reject(new Error('aborted'))),
        ),
      watch: (): Promise<void> => new Promise(() => undefined),
    };
    const factory = createKubernetesSdFactory({
      connect: () => Promise.resolve(NO_API),
      ownNamespace: 'own',
      listWatch: () => {
        const memory = cluster.listWatch();
        return (type: ResourceType, selection: Selection) =>
          type.resource === 'services' ? unanswered : memory(type, selection);
      },
    });
    const stuck = factory({ role: 'endpointslice' }, testContext());
    await stuck.start(() => undefined);
    await tick();
    await expect(stuck.stop()).resolves.toBeUndefined();
  });

  it('attach_metadata.node: adds node labels from one cluster-wide node watch and re-emits the pods on a node when it changes', async () => {
    const cluster = new MemoryCluster();
    const nodes = cluster.collection('nodes');
    nodes.put({ metadata: { name: 'n1', labels: { 'topology.kubernetes.io/zone': 'z1' } } });
    const onNode = (name: string, node: string): Pod => {
      const p = appPod(name);
      return { ...p, spec: { ...p.spec, nodeName: node } };
    };
    cluster.collection('pods', 'a').put(onNode('p1', 'n1'));
    cluster.collection('pods', 'a').put(onNode('p22', 'n2'));
    const emissions = await start(cluster, {
      role: 'pod',
      namespaces: { names: ['a'] },
      attach_metadata: { node: true },
    });
    // Nodes are cluster-scoped: watched once, without the pods' namespaces or selectors.
    expect(cluster.selections).toContainEqual({
      namespace: undefined,
      labelSelector: undefined,
      fieldSelector: undefined,
    });
    expect(cluster.selections).toHaveLength(2);
    expect(emissions).toHaveLength(1);
    const first = new Map(emissions[0]?.map((g) => [g.source, g.labels]));
    expect(first.get('pod/a/p1')).toMatchObject({
      __meta_kubernetes_node_name: 'n1',
      __meta_kubernetes_node_label_topology_kubernetes_io_zone: 'z1',
      __meta_kubernetes_node_labelpresent_topology_kubernetes_io_zone: 'true',
    });
    // n2 is not known (yet): the pod is still a target, without node labels.
    expect(first.get('pod/a/p22')).not.toHaveProperty('__meta_kubernetes_node_name');

    nodes.put({ metadata: { name: 'n1', labels: { 'topology.kubernetes.io/zone': 'z2' } } });
    await tick();
    expect(emissions[1]?.map((g) => g.source)).toEqual(['pod/a/p1']);
    expect(emissions[1]?.[0]?.labels.__meta_kubernetes_node_label_topology_kubernetes_io_zone).toBe(
      'z2',
    );

    nodes.put({ metadata: { name: 'n2', labels: { 'topology.kubernetes.io/zone': 'z3' } } });
    await tick();
    expect(emissions[2]?.map((g) => g.source)).toEqual(['pod/a/p22']);
    expect(emissions[2]?.[0]?.labels.__meta_kubernetes_node_name).toBe('n2');

    nodes.remove('n1');
    await tick();
    expect(emissions[3]?.map((g) => g.source)).toEqual(['pod/a/p1']);
    expect(emissions[3]?.[0]?.labels).not.toHaveProperty('__meta_kubernetes_node_name');
    expect(emissions[3]?.[0]?.targets).toHaveLength(1);

    // A pod moved off a node no longer follows that node's changes.
    cluster.collection('pods', 'a').put(onNode('p22', 'n1'));
    await tick();
    nodes.put({ metadata: { name: 'n2', labels: { 'topology.kubernetes.io/zone': 'z4' } } });
    await tick();
    expect(emissions).toHaveLength(5);
  });

  it('attach_metadata.node: re-emits an endpointslice when the node of one of its endpoints changes', async () => {
    const cluster = new MemoryCluster();
    cluster.collection('endpointslices').put({
      metadata: { name: 's1', namespace: 'a', labels: { 'kubernetes.io/service-name': 'web' } },
      addressType: 'IPv4',
      ports: [{ port: 80 }],
      endpoints: [{ addresses: ['10.0.0.2'], nodeName: 'n1' }],
    });
    const emissions = await start(cluster, {
      role: 'endpointslice',
      attach_metadata: { node: true },
    });
    expect(emissions[0]?.[0]?.targets[0]).not.toHaveProperty('__meta_kubernetes_node_name');
    cluster.collection('nodes').put({ metadata: { name: 'n1', labels: { rack: 'r1' } } });
    await tick();
    expect(emissions[1]?.map((g) => g.source)).toEqual(['endpointslice/a/s1']);
    expect(emissions[1]?.[0]?.targets[0]).toMatchObject({
      __meta_kubernetes_node_name: 'n1',
      __meta_kubernetes_node_label_rack: 'r1',
    });
    cluster.collection('nodes').put({ metadata: { name: 'other' } });
    await tick();
    expect(emissions).toHaveLength(2);
  });

  it('attach_metadata.node with a node selector (pod role): watches only the selected nodes', async () => {
    const cluster = new MemoryCluster();
    const emissions = await start(cluster, {
      role: 'pod',
      attach_metadata: { node: true },
      selectors: [
        { role: 'pod', label: 'app=web' },
        { role: 'node', label: 'pool=metrics' },
      ],
    });
    expect(cluster.selections).toEqual([
      { namespace: undefined, labelSelector: 'app=web', fieldSelector: undefined },
      { namespace: undefined, labelSelector: 'pool=metrics', fieldSelector: undefined },
    ]);
    expect(emissions).toEqual([]);
  });

  it('does not watch nodes without attach_metadata.node', async () => {
    const cluster = new MemoryCluster();
    cluster.collection('nodes').put({ metadata: { name: 'n1', labels: { rack: 'r1' } } });
    const p = appPod('p1');
    cluster.collection('pods').put({ ...p, spec: { ...p.spec, nodeName: 'n1' } });
    const emissions = await start(cluster, { role: 'pod', attach_metadata: { node: false } });
    expect(cluster.selections).toHaveLength(1);
    expect(emissions[0]?.[0]?.labels).not.toHaveProperty('__meta_kubernetes_node_name');
  });

  it('watches only the listed namespaces (own_namespace included) with the role selectors', async () => {
    const cluster = new MemoryCluster();
    cluster.collection('pods', 'a').put(appPod('p1'));
    const emissions = await start(cluster, {
      role: 'pod',
      namespaces: { names: ['a'], own_namespace: true },
      selectors: [{ role: 'pod', label: 'app=web', field: 'spec.nodeName=n1' }],
    });
    expect(cluster.selections).toEqual([
      { namespace: 'a', labelSelector: 'app=web', fieldSelector: 'spec.nodeName=n1' },
      { namespace: 'own', labelSelector: 'app=web', fieldSelector: 'spec.nodeName=n1' },
    ]);
    expect(emissions[0]?.map((g) => g.source)).toEqual(['pod/a/p1']);
  });
});

describe('kubernetes_sd_configs options', () => {
  const factory = createKubernetesSdFactory({ connect: () => Promise.resolve(NO_API) });
  const make = (config: unknown): DiscoveryProvider => factory(config, testContext());

  it('rejects a missing or unknown role, naming the valid ones', () => {
    expect(() => make({})).toThrow(/role: must be one of node, pod, service, endpoints/);
    expect(() => make({ role: 'pods' })).toThrow(/must be one of/);
  });

  it('rejects a selector for a role this role does not watch', () => {
    expect(() => make({ role: 'pod', selectors: [{ role: 'service', label: 'a=b' }] })).toThrow(
      /must be one of pod for role pod/,
    );
    expect(() =>
      make({ role: 'endpointslice', selectors: [{ role: 'service', label: 'a=b' }] }),
    ).not.toThrow();
  });

  it('accepts attach_metadata.node for the pod and endpoint roles and refuses it for the others, naming the valid roles', () => {
    for (const role of ['pod', 'endpoints', 'endpointslice']) {
      expect(() => make({ role, attach_metadata: { node: true } })).not.toThrow();
    }
    for (const role of ['service', 'node', 'ingress']) {
      expect(() => make({ role, attach_metadata: { node: true } })).toThrow(
        new RegExp(
          `attach_metadata\\.node: is valid only for roles pod, endpoints, endpointslice; role ${role} never gets node labels`,
        ),
      );
      expect(() => make({ role, attach_metadata: { node: false } })).not.toThrow();
    }
    expect(() => make({ role: 'pod', attach_metadata: { nodes: true } })).toThrow(/unknown key/);
  });

  it('accepts a node selector for role pod only with attach_metadata.node, as Prometheus documents', () => {
    const nodeSelector = [{ role: 'node', label: 'pool=metrics' }];
    expect(() =>
      make({ role: 'pod', attach_metadata: { node: true }, selectors: nodeSelector }),
    ).not.toThrow();
    expect(() => make({ role: 'pod', selectors: nodeSelector })).toThrow(
      /must be one of pod for role pod/,
    );
    expect(() =>
      make({ role: 'endpointslice', attach_metadata: { node: true }, selectors: nodeSelector }),
    ).toThrow(/must be one of endpointslice, pod, service for role endpointslice/);
  });

  it('rejects own_namespace when the allocator has no namespace, and api_server with kubeconfig_file', () => {
    expect(() => make({ role: 'pod', namespaces: { own_namespace: true } })).toThrow(
      /own_namespace/,
    );
    expect(() =>
      make({ role: 'pod', api_server: 'https://k:6443', kubeconfig_file: '/k' }),
    ).toThrow(/at most one of api_server and kubeconfig_file/);
    expect(() => make({ role: 'pod', unknown_key: 1 })).toThrow(/unknown_key: unknown key/);
  });
});
