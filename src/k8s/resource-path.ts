/** Names one kind of resource on the API server, as its REST path needs it. */
export interface ResourceType {
  /** API group; '' for the core group. */
  readonly group: string;
  readonly version: string;
  /** Plural resource name, e.g. `pods`, `opentelemetrycollectors`. */
  readonly resource: string;
  /** False for cluster-scoped resources (nodes, clusterroles, CRDs, webhook configurations). */
  readonly namespaced: boolean;
}

export function apiVersionOf(type: ResourceType): string {
  return type.group === '' ? type.version : `${type.group}/${type.version}`;
}

function groupPrefix(type: ResourceType): string {
  return type.group === '' ? `/api/${type.version}` : `/apis/${type.group}/${type.version}`;
}

/** The collection path; `namespace` undefined on a namespaced type means all namespaces. */
export function collectionPath(type: ResourceType, namespace?: string): string {
  const ns =
    type.namespaced && namespace !== undefined
      ? `/namespaces/${encodeURIComponent(namespace)}`
      : '';
  return `${groupPrefix(type)}${ns}/${type.resource}`;
}

export function objectPath(type: ResourceType, name: string, namespace?: string): string {
  if (type.namespaced && namespace === undefined) {
    throw new Error(`a namespace is required to address ${type.resource}/${name}`);
  }
  return `${collectionPath(type, namespace)}/${encodeURIComponent(name)}`;
}

export const ResourceTypes = {
  pods: { group: '', version: 'v1', resource: 'pods', namespaced: true },
  services: { group: '', version: 'v1', resource: 'services', namespaced: true },
  configMaps: { group: '', version: 'v1', resource: 'configmaps', namespaced: true },
  secrets: { group: '', version: 'v1', resource: 'secrets', namespaced: true },
  serviceAccounts: { group: '', version: 'v1', resource: 'serviceaccounts', namespaced: true },
  events: { group: '', version: 'v1', resource: 'events', namespaced: true },
  nodes: { group: '', version: 'v1', resource: 'nodes', namespaced: false },
  namespaces: { group: '', version: 'v1', resource: 'namespaces', namespaced: false },
  endpoints: { group: '', version: 'v1', resource: 'endpoints', namespaced: true },
  endpointSlices: {
    group: 'discovery.k8s.io',
    version: 'v1',
    resource: 'endpointslices',
    namespaced: true,
  },
  deployments: { group: 'apps', version: 'v1', resource: 'deployments', namespaced: true },
  statefulSets: { group: 'apps', version: 'v1', resource: 'statefulsets', namespaced: true },
  daemonSets: { group: 'apps', version: 'v1', resource: 'daemonsets', namespaced: true },
  roles: { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'roles', namespaced: true },
  roleBindings: {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    resource: 'rolebindings',
    namespaced: true,
  },
  clusterRoles: {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    resource: 'clusterroles',
    namespaced: false,
  },
  clusterRoleBindings: {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    resource: 'clusterrolebindings',
    namespaced: false,
  },
  podDisruptionBudgets: {
    group: 'policy',
    version: 'v1',
    resource: 'poddisruptionbudgets',
    namespaced: true,
  },
  leases: { group: 'coordination.k8s.io', version: 'v1', resource: 'leases', namespaced: true },
  mutatingWebhookConfigurations: {
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    resource: 'mutatingwebhookconfigurations',
    namespaced: false,
  },
  validatingWebhookConfigurations: {
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    resource: 'validatingwebhookconfigurations',
    namespaced: false,
  },
  customResourceDefinitions: {
    group: 'apiextensions.k8s.io',
    version: 'v1',
    resource: 'customresourcedefinitions',
    namespaced: false,
  },
  openTelemetryCollectors: {
    group: 'opentelemetry.io',
    version: 'v1beta1',
    resource: 'opentelemetrycollectors',
    namespaced: true,
  },
} as const satisfies Record<string, ResourceType>;
