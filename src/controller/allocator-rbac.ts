import { isRecord, type JsonObject } from '../collector/json-value.js';

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/**
 * What the allocator needs: rules within the collector's namespace, rules cluster-wide, and where
 * it reads Secrets. Secrets are never in the rules: the allocator gets them through a binding to
 * the fixed ClusterRole below, which the controller may bind (RBAC's `bind` verb, for that role
 * only) without reading Secrets itself outside its own namespace.
 */
export interface AllocatorPermissions {
  readonly namespaced: readonly PolicyRule[];
  readonly clusterWide: readonly PolicyRule[];
  readonly secrets: 'none' | 'namespace' | 'cluster';
}

/** The ClusterRole (deploy/base/controller-rbac.yaml) that lets an allocator read Secrets. */
export const ALLOCATOR_SECRETS_CLUSTER_ROLE = 'otel-ta-allocator-secrets';

const READ = ['get', 'list', 'watch'];

/** Prometheus CR discovery: off, or on with the namespaces whose Secrets it reads. */
export type PrometheusCrAccess = false | { readonly secretNamespaces: readonly string[] };

/** What the allocator's `prometheus_cr` block (snake_case, as rendered) lets it read. */
export function prometheusCrAccess(block: unknown): PrometheusCrAccess {
  if (!isRecord(block) || block.enabled !== true) return false;
  const names = Array.isArray(block.secret_namespaces) ? block.secret_namespaces : [];
  return { secretNamespaces: names.filter((n): n is string => typeof n === 'string') };
}

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
 * are cluster-scoped by nature. Prometheus CR discovery reads monitors in any namespace, and
 * Secrets in the collector's namespace unless secret_namespaces names others.
 */
export function allocatorPermissions(
  namespace: string,
  scrapeConfigs: readonly JsonObject[],
  prometheusCr: PrometheusCrAccess,
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
  if (prometheusCr !== false) {
    // The watcher reads ServiceMonitors and PodMonitors (ScrapeConfigs and Probes are not
    // supported yet) and the namespaces their namespace selectors match on.
    for (const resource of ['servicemonitors', 'podmonitors']) {
      cluster.add('monitoring.coreos.com', resource);
    }
    cluster.add('', 'namespaces');
    // Their jobs discover with the endpointslice role (ServiceMonitors: slices, their services and
    // pods) and the pod role (PodMonitors), in any namespace a monitor names; Nodes for monitors
    // with attachMetadata.node.
    for (const resource of ['services', 'pods', 'nodes']) cluster.add('', resource);
    cluster.add('discovery.k8s.io', 'endpointslices');
  }
  return {
    namespaced: namespaced.rules(),
    clusterWide: cluster.rules(),
    secrets: secretsScope(namespace, prometheusCr),
  };
}

/** Secrets the monitors reference are read in the collector's namespace plus secret_namespaces. */
function secretsScope(
  namespace: string,
  prometheusCr: PrometheusCrAccess,
): AllocatorPermissions['secrets'] {
  if (prometheusCr === false) return 'none';
  return prometheusCr.secretNamespaces.some((ns) => ns !== namespace) ? 'cluster' : 'namespace';
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
