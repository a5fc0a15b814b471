import type { Labels, TargetGroup } from '../../model.js';
import type {
  EndpointAddress,
  EndpointPort,
  Endpoints,
  Lookup,
  Node,
  Pod,
  Service,
} from './kube-types.js';
import { META, NAMESPACE_LABEL, addObjectMetaLabels, joinHostPort } from './meta-labels.js';
import { nodeMetaLabels } from './node-meta.js';
import { EndpointPods, podRefKey } from './pod-ports.js';
import { serviceLabels } from './service-role.js';

const EP = `${META}endpoint_`;

export function endpointsSource(namespace: string, name: string): string {
  return `endpoints/${namespace}/${name}`;
}

export function endpointsPodKeys(endpoints: Endpoints): string[] {
  const ns = endpoints.metadata?.namespace ?? '';
  const keys: string[] = [];
  for (const subset of endpoints.subsets ?? []) {
    for (const a of [...(subset.addresses ?? []), ...(subset.notReadyAddresses ?? [])]) {
      const key = podRefKey(a.targetRef, ns);
      if (key !== undefined) keys.push(key);
    }
  }
  return keys;
}

/**
 * The node an address's node labels come from (attach_metadata.node): its nodeName, else the
 * node its targetRef names, as Prometheus picks it.
 */
export function endpointAddressNode(address: EndpointAddress): string | undefined {
  if (address.nodeName !== undefined) return address.nodeName;
  return address.targetRef?.kind === 'Node' ? address.targetRef.name : undefined;
}

/** Every node the addresses of `endpoints` take node labels from. */
export function endpointsNodeNames(endpoints: Endpoints): string[] {
  const names = new Set<string>();
  for (const subset of endpoints.subsets ?? []) {
    for (const a of [...(subset.addresses ?? []), ...(subset.notReadyAddresses ?? [])]) {
      const node = endpointAddressNode(a);
      if (node !== undefined && node !== '') names.add(node);
    }
  }
  return [...names];
}

/**
 * role: endpoints. One target per address and port (`_endpoint_ready` tells ready from not-ready
 * addresses); the service of the same name adds its labels; pod addresses add pod labels;
 * `lookups.nodes` (attach_metadata.node) adds the address's node labels (not to the targets of
 * container ports no endpoint port covered, as in Prometheus).
 */
export function buildEndpointsGroup(
  endpoints: Endpoints,
  lookups: {
    readonly pods: Lookup<Pod>;
    readonly services: Lookup<Service>;
    readonly nodes?: Lookup<Node> | undefined;
  },
): TargetGroup {
  const namespace = endpoints.metadata?.namespace ?? '';
  const name = endpoints.metadata?.name ?? '';
  const labels: Record<string, string> = { [NAMESPACE_LABEL]: namespace };
  addObjectMetaLabels(labels, endpoints.metadata, 'endpoints');
  const service = lookups.services(`${namespace}/${name}`);
  if (service !== undefined) Object.assign(labels, serviceLabels(service));

  const targets: Labels[] = [];
  const pods = new EndpointPods(lookups.pods, namespace);
  for (const subset of endpoints.subsets ?? []) {
    const addresses: [EndpointAddress, boolean][] = [
      ...(subset.addresses ?? []).map((a): [EndpointAddress, boolean] => [a, true]),
      ...(subset.notReadyAddresses ?? []).map((a): [EndpointAddress, boolean] => [a, false]),
    ];
    for (const port of subset.ports ?? []) {
      for (const [address, ready] of addresses) {
        const node = nodeMetaLabels(lookups.nodes, endpointAddressNode(address));
        const own = endpointLabels(address, ready, port);
        const target = node === undefined ? own : { ...own, ...node };
        targets.push(pods.target(target, address.targetRef, port.port ?? 0));
      }
    }
  }
  targets.push(...pods.uncovered());
  return { source: endpointsSource(namespace, name), targets, labels };
}

/** The labels of one address on one port; optional keys only for fields the object sets. */
function endpointLabels(
  address: EndpointAddress,
  ready: boolean,
  port: EndpointPort,
): Record<string, string> {
  const number = port.port ?? 0;
  const target: Record<string, string> = {
    __address__: joinHostPort(address.ip ?? '', number),
    [`${EP}port_name`]: port.name ?? '',
    [`${EP}port_protocol`]: port.protocol ?? '',
    [`${EP}ready`]: String(ready),
  };
  if (address.targetRef !== undefined) {
    target[`${EP}address_target_kind`] = address.targetRef.kind ?? '';
    target[`${EP}address_target_name`] = address.targetRef.name ?? '';
  }
  if (address.nodeName !== undefined) target[`${EP}node_name`] = address.nodeName;
  if (address.hostname !== undefined && address.hostname !== '') {
    target[`${EP}hostname`] = address.hostname;
  }
  if (port.appProtocol !== undefined) target[`${EP}port_app_protocol`] = port.appProtocol;
  return target;
}
