import { describe, expect, it } from 'vitest';
import { buildEndpointSliceGroup } from './endpointslice-role.js';
import { buildEndpointsGroup } from './endpoints-role.js';
import type { Node, Pod } from './kube-types.js';
import { buildPodGroup } from './pod-role.js';

const node: Node = {
  metadata: {
    name: 'node-1',
    labels: { 'topology.kubernetes.io/zone': 'eu-1a', 'node-role.kubernetes.io/worker': '' },
    annotations: { 'example.com/rack': 'r7' },
  },
};
const nodes = (name: string): Node | undefined => (name === 'node-1' ? node : undefined);
const nodeLabels = {
  __meta_kubernetes_node_name: 'node-1',
  __meta_kubernetes_node_label_topology_kubernetes_io_zone: 'eu-1a',
  __meta_kubernetes_node_labelpresent_topology_kubernetes_io_zone: 'true',
  __meta_kubernetes_node_label_node_role_kubernetes_io_worker: '',
  __meta_kubernetes_node_labelpresent_node_role_kubernetes_io_worker: 'true',
  __meta_kubernetes_node_annotation_example_com_rack: 'r7',
  __meta_kubernetes_node_annotationpresent_example_com_rack: 'true',
};

function pod(nodeName: string | undefined): Pod {
  return {
    metadata: { name: 'web-0', namespace: 'shop' },
    spec: {
      ...(nodeName === undefined ? {} : { nodeName }),
      containers: [
        {
          name: 'app',
          ports: [
            { name: 'http', containerPort: 8080 },
            { name: 'admin', containerPort: 9000 },
          ],
        },
      ],
    },
    status: { podIP: '10.0.0.5' },
  };
}
const nodeKeys = (labels: object): string[] =>
  Object.keys(labels).filter((k) => k.startsWith('__meta_kubernetes_node_'));

describe('attach_metadata.node, role: pod', () => {
  it("adds the node's name, labels, labelpresent and annotations (sanitized names) to the pod's group", () => {
    const group = buildPodGroup(pod('node-1'), nodes);
    expect(group.labels).toMatchObject(nodeLabels);
    expect(group.labels.__meta_kubernetes_pod_node_name).toBe('node-1');
    expect(group.targets.map((t) => t.__address__)).toEqual(['10.0.0.5:8080', '10.0.0.5:9000']);
  });

  it('adds nothing when the node is unknown, the pod is not scheduled, or the option is off', () => {
    expect(nodeKeys(buildPodGroup(pod('node-9'), nodes).labels)).toEqual([]);
    expect(nodeKeys(buildPodGroup(pod(undefined), nodes).labels)).toEqual([]);
    expect(nodeKeys(buildPodGroup(pod(''), nodes).labels)).toEqual([]);
    expect(nodeKeys(buildPodGroup(pod('node-1')).labels)).toEqual([]);
  });
});

describe('attach_metadata.node, role: endpoints', () => {
  const lookups = {
    pods: (key: string): Pod | undefined => (key === 'shop/web-0' ? pod('node-1') : undefined),
    services: (): undefined => undefined,
    nodes,
  };

  it("adds the address's nodeName's labels to its targets, not to the pod's uncovered ports", () => {
    const group = buildEndpointsGroup(
      {
        metadata: { name: 'web', namespace: 'shop' },
        subsets: [
          {
            addresses: [
              { ip: '10.0.0.5', nodeName: 'node-1', targetRef: { kind: 'Pod', name: 'web-0' } },
            ],
            notReadyAddresses: [{ ip: '10.0.0.6', nodeName: 'node-9' }],
            ports: [{ port: 8080 }],
          },
        ],
      },
      lookups,
    );
    const byAddress = new Map(group.targets.map((t) => [t.__address__, t]));
    expect(byAddress.get('10.0.0.5:8080')).toMatchObject(nodeLabels);
    expect(nodeKeys(byAddress.get('10.0.0.6:8080') ?? {})).toEqual([]);
    // The pod's other container port, which no endpoint port covers.
    expect(byAddress.get('10.0.0.5:9000')?.__meta_kubernetes_pod_name).toBe('web-0');
    expect(nodeKeys(byAddress.get('10.0.0.5:9000') ?? {})).toEqual([]);
    expect(nodeKeys(group.labels)).toEqual([]);
  });

  it('takes the node from a Node targetRef only when the address has no nodeName', () => {
    const group = buildEndpointsGroup(
      {
        metadata: { name: 'kubelet', namespace: 'kube-system' },
        subsets: [
          {
            addresses: [
              { ip: '192.168.1.1', targetRef: { kind: 'Node', name: 'node-1' } },
              {
                ip: '192.168.1.2',
                nodeName: 'node-9',
                targetRef: { kind: 'Node', name: 'node-1' },
              },
            ],
            ports: [{ port: 10250 }],
          },
        ],
      },
      lookups,
    );
    expect(group.targets[0]).toMatchObject(nodeLabels);
    expect(nodeKeys(group.targets[1] ?? {})).toEqual([]);
  });
});

describe('attach_metadata.node, role: endpointslice', () => {
  const lookups = { pods: (): undefined => undefined, services: (): undefined => undefined, nodes };

  it("adds the endpoint's node labels, a Node targetRef naming the node before nodeName", () => {
    const group = buildEndpointSliceGroup(
      {
        metadata: { name: 'kubelet-x', namespace: 'kube-system' },
        addressType: 'IPv4',
        ports: [{ port: 10250 }],
        endpoints: [
          {
            addresses: ['192.168.1.1'],
            nodeName: 'gone',
            targetRef: { kind: 'Node', name: 'node-1' },
          },
          { addresses: ['10.0.0.7'], nodeName: 'node-1' },
          { addresses: ['10.0.0.8'], nodeName: 'gone' },
          { addresses: ['10.0.0.9'] },
        ],
      },
      lookups,
    );
    const [byRef, byName, unknown, none] = group.targets;
    expect(byRef).toMatchObject(nodeLabels);
    expect(byName).toMatchObject(nodeLabels);
    expect(nodeKeys(unknown ?? {})).toEqual([]);
    expect(nodeKeys(none ?? {})).toEqual([]);
  });
});
