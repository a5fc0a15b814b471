import { isRecord, type JsonObject } from '../collector/json-value.js';

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/** What the allocator needs: rules within the collector's namespace, and rules cluster-wide. */
export interface AllocatorPermissions {
  readonly namespaced: readonly PolicyRule[];
  readonly clusterWide: readonly PolicyRule[];
}

const READ = ['get', 'list', 'watch'];

/** Resources each `kubernetes_sd_configs` role lists and watches (Prometheus's discovery). */
const SD_ROLE_RESOURCES: Record<string, readonly (readonly [string, string])[]> = {
  pod: [['', 'pods']],
  service: [['', 'services']],
  endpoints: [
    ['', 'endpoints'],
    ['', 'pods'],
    ['', 'services'],
  ],
  endpointslice: [
    ['discovery.k8s.io', 'endpointslices'],
    ['', 'pods'],
    ['', 'services'],
  ],
  node: [['', 'nodes']],
  ingress: [['networking.k8s.io', 'ingresses']],
};

const CLUSTER_SCOPED = new Set(['nodes', 'namespaces']);

/**
 * Least privilege from the scrape configs: the collector pods (always, in the collector's
 * namespace), then per `kubernetes_sd_configs` entry the resources its role reads, namespaced when
 * the entry names only the collector's own namespace, cluster-wide otherwise; nodes and namespaces
 * are cluster-scoped by nature. Prometheus CR discovery reads monitors in any namespace.
 */
export function allocatorPermissions(
  namespace: string,
  scrapeConfigs: readonly JsonObject[],
  prometheusCrEnabled: boolean,
): AllocatorPermissions {
  const namespaced = new RuleSet();
  const cluster = new RuleSet();
  namespaced.add('', 'pods');
  for (const scrapeConfig of scrapeConfigs) {
    const sdConfigs = scrapeConfig.kubernetes_sd_configs;
    if (!Array.isArray(sdConfigs)) continue;
    for (const sd of sdConfigs) {
      if (!isRecord(sd)) continue;
      const resources = SD_ROLE_RESOURCES[typeof sd.role === 'string' ? sd.role : ''] ?? [];
      const local = onlyOwnNamespace(sd, namespace);
      for (const [group, resource] of resources) {
        (local && !CLUSTER_SCOPED.has(resource) ? namespaced : cluster).add(group, resource);
      }
      const attach = isRecord(sd.attach_metadata) ? sd.attach_metadata : {};
      if (attach.node === true) cluster.add('', 'nodes');
      if (attach.namespace === true) cluster.add('', 'namespaces');
    }
  }
  if (prometheusCrEnabled) {
    for (const resource of ['servicemonitors', 'podmonitors', 'scrapeconfigs', 'probes']) {
      cluster.add('monitoring.coreos.com', resource);
    }
    cluster.add('', 'namespaces');
    // Monitors' endpoints are resolved through services, endpoints and their pods, and their auth
    // through secrets and configmaps they reference.
    for (const resource of ['services', 'endpoints', 'pods', 'secrets', 'configmaps']) {
      cluster.add('', resource);
    }
    cluster.add('discovery.k8s.io', 'endpointslices');
  }
  return { namespaced: namespaced.rules(), clusterWide: cluster.rules() };
}

function onlyOwnNamespace(sd: JsonObject, namespace: string): boolean {
  const ns = isRecord(sd.namespaces) ? sd.namespaces : undefined;
  if (ns === undefined) return false;
  const names = Array.isArray(ns.names) ? ns.names : [];
  const own = ns.own_namespace === true;
  if (names.length === 0) return own;
  return names.every((n) => n === namespace);
}

/** Rules grouped by API group, in a stable order so equal input renders an equal Role. */
class RuleSet {
  private readonly byGroup = new Map<string, Set<string>>();

  add(group: string, resource: string): void {
    const set = this.byGroup.get(group) ?? new Set<string>();
    set.add(resource);
    this.byGroup.set(group, set);
  }

  rules(): PolicyRule[] {
    return [...this.byGroup.keys()].sort().map((group) => ({
      apiGroups: [group],
      resources: [...(this.byGroup.get(group) ?? [])].sort(),
      verbs: [...READ],
    }));
  }
}
