import type { KubeObject, ObjectMeta } from '../../../k8s/object.js';

/**
 * The fields of core Kubernetes objects that discovery reads, typed loosely (everything optional)
 * because they arrive as JSON from the API server and a missing field must never throw.
 */
export interface Meta extends ObjectMeta {
  creationTimestamp?: string;
}

export interface ContainerPort {
  name?: string;
  containerPort?: number;
  protocol?: string;
}

export interface Container {
  name?: string;
  image?: string;
  ports?: ContainerPort[];
}

export interface ContainerStatus {
  name?: string;
  containerID?: string;
}

export interface PodCondition {
  type?: string;
  status?: string;
  lastTransitionTime?: string;
}

export interface Pod extends KubeObject {
  metadata?: Meta;
  spec?: { nodeName?: string; containers?: Container[]; initContainers?: Container[] };
  status?: {
    phase?: string;
    podIP?: string;
    hostIP?: string;
    conditions?: PodCondition[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
  };
}

export interface NodeAddress {
  type?: string;
  address?: string;
}

export interface Node extends KubeObject {
  metadata?: Meta;
  spec?: { providerID?: string };
  status?: {
    addresses?: NodeAddress[];
    daemonEndpoints?: { kubeletEndpoint?: { Port?: number } };
  };
}

export interface ServicePort {
  name?: string;
  port?: number;
  protocol?: string;
  appProtocol?: string;
}

export interface Service extends KubeObject {
  metadata?: Meta;
  spec?: {
    type?: string;
    clusterIP?: string;
    externalName?: string;
    ports?: ServicePort[];
  };
}

export interface ObjectReference {
  kind?: string;
  name?: string;
  namespace?: string;
}

export interface EndpointSliceEndpoint {
  addresses?: string[];
  conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
  hostname?: string;
  nodeName?: string;
  zone?: string;
  targetRef?: ObjectReference;
  deprecatedTopology?: Record<string, string>;
}

export interface EndpointSlicePort {
  name?: string;
  port?: number;
  protocol?: string;
  appProtocol?: string;
}

export interface EndpointSlice extends KubeObject {
  metadata?: Meta;
  addressType?: string;
  endpoints?: EndpointSliceEndpoint[];
  ports?: EndpointSlicePort[];
}

export interface EndpointAddress {
  ip?: string;
  hostname?: string;
  nodeName?: string;
  targetRef?: ObjectReference;
}

export interface EndpointPort {
  name?: string;
  port?: number;
  protocol?: string;
  appProtocol?: string;
}

export interface EndpointSubset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports?: EndpointPort[];
}

export interface Endpoints extends KubeObject {
  metadata?: Meta;
  subsets?: EndpointSubset[];
}

export interface IngressRule {
  host?: string;
  http?: { paths?: { path?: string }[] };
}

export interface Ingress extends KubeObject {
  metadata?: Meta;
  spec?: {
    ingressClassName?: string;
    rules?: IngressRule[];
    tls?: { hosts?: string[] }[];
  };
}

/** Looks up an object by `namespace/name` (or `name` when cluster-scoped) in a watched cache. */
export type Lookup<T> = (key: string) => T | undefined;
