import { splitKey, type KubeObject } from '../../../k8s/object.js';
import { ResourceTypes, type ResourceType } from '../../../k8s/resource-path.js';
import type { TargetGroup } from '../../model.js';
import {
  buildEndpointSliceGroup,
  endpointSlicePodKeys,
  endpointSliceNodeNames,
  endpointSliceServiceKey,
  endpointSliceSource,
} from './endpointslice-role.js';
import {
  buildEndpointsGroup,
  endpointsNodeNames,
  endpointsPodKeys,
  endpointsSource,
} from './endpoints-role.js';
import { buildIngressGroup, ingressSource } from './ingress-role.js';
import type { Lookup, Node, Pod, Service } from './kube-types.js';
import { buildNodeGroup, nodeSource } from './node-role.js';
import { buildPodGroup, podSource } from './pod-role.js';
import type { Role } from './sd-options.js';
import { buildServiceGroup, serviceSource } from './service-role.js';

export interface RoleLookups {
  readonly pods: Lookup<Pod>;
  readonly services: Lookup<Service>;
  /** Watched nodes, only when attach_metadata.node is on. */
  readonly nodes?: Lookup<Node> | undefined;
}

/** How one role turns its watched objects into target groups, and what else it depends on. */
export interface RoleDefinition {
  readonly primary: ResourceType;
  /** Other roles watched for labels: a change there re-builds the dependent primary objects. */
  readonly secondary: readonly ('pod' | 'service')[];
  build(obj: KubeObject, lookups: RoleLookups): TargetGroup;
  /** The group source of the object with this cache key (used when the object is gone). */
  source(key: string): string;
  serviceKey?(obj: KubeObject): string | undefined;
  podKeys?(obj: KubeObject): readonly string[];
  /** The nodes whose labels attach_metadata.node adds to the object's group. */
  nodeNames?(obj: KubeObject): readonly string[];
}

const ingressType: ResourceType = {
  group: 'networking.k8s.io',
  version: 'v1',
  resource: 'ingresses',
  namespaced: true,
};

function namespaced(fn: (namespace: string, name: string) => string): (key: string) => string {
  return (key) => {
    const { namespace, name } = splitKey(key);
    return fn(namespace ?? '', name);
  };
}

export const ROLE_DEFINITIONS: Readonly<Record<Role, RoleDefinition>> = {
  pod: {
    primary: ResourceTypes.pods,
    secondary: [],
    build: (obj, lookups) => buildPodGroup(obj, lookups.nodes),
    source: namespaced(podSource),
    nodeNames: (obj: Pod) => (obj.spec?.nodeName ? [obj.spec.nodeName] : []),
  },
  node: {
    primary: ResourceTypes.nodes,
    secondary: [],
    build: (obj) => buildNodeGroup(obj),
    source: (key) => nodeSource(key),
  },
  service: {
    primary: ResourceTypes.services,
    secondary: [],
    build: (obj) => buildServiceGroup(obj),
    source: namespaced(serviceSource),
  },
  ingress: {
    primary: ingressType,
    secondary: [],
    build: (obj) => buildIngressGroup(obj),
    source: namespaced(ingressSource),
  },
  endpointslice: {
    primary: ResourceTypes.endpointSlices,
    secondary: ['pod', 'service'],
    build: (obj, lookups) => buildEndpointSliceGroup(obj, lookups),
    source: namespaced(endpointSliceSource),
    serviceKey: (obj) => endpointSliceServiceKey(obj),
    podKeys: (obj) => endpointSlicePodKeys(obj),
    nodeNames: (obj) => endpointSliceNodeNames(obj),
  },
  endpoints: {
    primary: ResourceTypes.endpoints,
    secondary: ['pod', 'service'],
    build: (obj, lookups) => buildEndpointsGroup(obj, lookups),
    source: namespaced(endpointsSource),
    serviceKey: (obj) => `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`,
    podKeys: (obj) => endpointsPodKeys(obj),
    nodeNames: (obj) => endpointsNodeNames(obj),
  },
};
