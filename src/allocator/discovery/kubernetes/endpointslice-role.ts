import type { Labels, TargetGroup } from '../../model.js';
import type {
  EndpointSlice,
  EndpointSliceEndpoint,
  EndpointSlicePort,
  Lookup,
  Node,
  Pod,
  Service,
} from './kube-types.js';
import {
  META,
  NAMESPACE_LABEL,
  addObjectMetaLabels,
  joinHostPort,
  namespacedKey,
  sanitizeLabelName,
} from './meta-labels.js';
import { nodeMetaLabels } from './node-meta.js';
import { EndpointPods, podRefKey } from './pod-ports.js';
import { serviceLabels } from './service-role.js';

/** Every EndpointSlice names the service it belongs to in this label. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

const ES = `${META}endpointslice_`;

export function endpointSliceSource(namespace: string, name: string): string {
  return `endpointslice/${namespace}/${name}`;
}

/** The `namespace/name` of the slice's service, when it names one. */
export function endpointSliceServiceKey(slice: EndpointSlice): string | undefined {
  const name = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
  return name === undefined ? undefined : namespacedKey(slice.metadata?.namespace, name);
}

/** The pods the slice's endpoints point at, for re-building the slice when one changes. */
export function endpointSlicePodKeys(slice: EndpointSlice): string[] {
  const ns = slice.metadata?.namespace ?? '';
  const keys = (slice.endpoints ?? []).map((ep) => podRefKey(ep.targetRef, ns));
  return keys.filter((k): k is string => k !== undefined);
}

/**
 * The node an endpoint's node labels come from (attach_metadata.node): the node its targetRef
 * names, else its nodeName, as Prometheus picks it.
 */
export function endpointSliceEndpointNode(ep: EndpointSliceEndpoint): string | undefined {
  return ep.targetRef?.kind === 'Node' ? ep.targetRef.name : ep.nodeName;
}

/** Every node the endpoints of `slice` take node labels from. */
export function endpointSliceNodeNames(slice: EndpointSlice): string[] {
  const names = new Set<string>();
  for (const ep of slice.endpoints ?? []) {
    const node = endpointSliceEndpointNode(ep);
    if (node !== undefined && node !== '') names.add(node);
  }
  return [...names];
}

/**
 * role: endpointslice. One target per endpoint address and port; service labels on the group when
 * the service is known; pod labels (and the matching container port) when the address is a known
 * pod; then one target per pod container port no endpoint port covered. `lookups.nodes`
 * (attach_metadata.node) adds the endpoint's node labels to its targets (not to the uncovered
 * container port targets, as in Prometheus).
 */
export function buildEndpointSliceGroup(
  slice: EndpointSlice,
  lookups: {
    readonly pods: Lookup<Pod>;
    readonly services: Lookup<Service>;
    readonly nodes?: Lookup<Node> | undefined;
  },
): TargetGroup {
  const namespace = slice.metadata?.namespace ?? '';
  const labels: Record<string, string> = {
    [NAMESPACE_LABEL]: namespace,
    [`${ES}address_type`]: slice.addressType ?? '',
  };
  addObjectMetaLabels(labels, slice.metadata, 'endpointslice');
  const serviceKey = endpointSliceServiceKey(slice);
  const service = serviceKey === undefined ? undefined : lookups.services(serviceKey);
  if (service !== undefined) Object.assign(labels, serviceLabels(service));

  const targets: Labels[] = [];
  const pods = new EndpointPods(lookups.pods, namespace);
  for (const ep of slice.endpoints ?? []) {
    const node = nodeMetaLabels(lookups.nodes, endpointSliceEndpointNode(ep));
    for (const port of slice.ports ?? []) {
      for (const address of ep.addresses ?? []) {
        const own = endpointLabels(ep, port, address);
        const target = node === undefined ? own : { ...own, ...node };
        targets.push(pods.target(target, ep.targetRef, port.port));
      }
    }
  }
  targets.push(...pods.uncovered());
  return { source: endpointSliceSource(namespace, slice.metadata?.name ?? ''), targets, labels };
}

/** The labels of one endpoint address on one port; keys exist only for fields the slice sets. */
function endpointLabels(
  ep: EndpointSliceEndpoint,
  port: EndpointSlicePort,
  address: string,
): Record<string, string> {
  const target: Record<string, string> = {
    __address__: port.port === undefined ? address : joinHostPort(address, port.port),
  };
  if (port.name !== undefined) target[`${ES}port_name`] = port.name;
  if (port.protocol !== undefined) target[`${ES}port_protocol`] = port.protocol;
  if (port.port !== undefined) target[`${ES}port`] = String(port.port);
  if (port.appProtocol !== undefined) target[`${ES}port_app_protocol`] = port.appProtocol;
  const c = ep.conditions;
  if (c?.ready !== undefined) target[`${ES}endpoint_conditions_ready`] = String(c.ready);
  if (c?.serving !== undefined) target[`${ES}endpoint_conditions_serving`] = String(c.serving);
  if (c?.terminating !== undefined) {
    target[`${ES}endpoint_conditions_terminating`] = String(c.terminating);
  }
  if (ep.hostname !== undefined) target[`${ES}endpoint_hostname`] = ep.hostname;
  if (ep.nodeName !== undefined) target[`${ES}endpoint_node_name`] = ep.nodeName;
  if (ep.zone !== undefined) target[`${ES}endpoint_zone`] = ep.zone;
  if (ep.targetRef !== undefined) {
    target[`${ES}address_target_kind`] = ep.targetRef.kind ?? '';
    target[`${ES}address_target_name`] = ep.targetRef.name ?? '';
  }
  for (const [k, v] of Object.entries(ep.deprecatedTopology ?? {})) {
    const name = sanitizeLabelName(k);
    target[`${ES}endpoint_topology_${name}`] = v;
    target[`${ES}endpoint_topology_present_${name}`] = 'true';
  }
  return target;
}
