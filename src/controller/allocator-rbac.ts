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

/**
 * One GET of the collector pods' StatefulSet when a pod departs, to tell a scale-down (no
 * successor: its targets move at once) from a restart (docs/rebalancing.md). The controller holds
 * `get` on statefulsets, so it may grant it; it shows nothing the pods (read already) do not.
 */
const STATEFULSET_GET: PolicyRule = {
  apiGroups: ['apps'],
  resources: ['statefulsets'],
  verbs: ['get'],
};

/** prometheus-operator's kinds, by resource name, with the allocator config key of their selectors. */
const CR_KINDS = [
  ['servicemonitors', 'service_monitor'],
  ['podmonitors', 'pod_monitor'],
  ['scrapeconfigs', 'scrape_config'],
  ['probes', 'probe'],
] as const;

export type PrometheusCrResource = (typeof CR_KINDS)[number][0];

/** Prometheus CR discovery: off, or what the allocator's watcher reads when it is on. */
export type PrometheusCrAccess =
  | false
  | {
      /** Namespaces whose Secrets and ConfigMaps the monitors may reference. */
      readonly secretNamespaces: readonly string[];
      /** The kinds with a selector (a null selector selects nothing, so nothing is read). */
      readonly kinds: readonly PrometheusCrResource[];
      /** A selected kind has a non-empty namespace selector: the watcher reads namespaces. */
      readonly namespaceLabels: boolean;
    };

function isSetSelector(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function isEmptySelector(value: unknown): boolean {
  if (!isRecord(value)) return true;
  return Object.values(value).every(
    (v) =>
      v === null ||
      (Array.isArray(v) ? v.length === 0 : isRecord(v) && Object.keys(v).length === 0),
  );
}

/** What the allocator's `prometheus_cr` block (snake_case, as rendered) lets it read. */
export function prometheusCrAccess(block: unknown): PrometheusCrAccess {
  if (!isRecord(block) || block.enabled !== true) return false;
  const names = Array.isArray(block.secret_namespaces) ? block.secret_namespaces : [];
  const kinds = CR_KINDS.filter(([, key]) => isSetSelector(block[`${key}_selector`]));
  return {
    secretNamespaces: names.filter((n): n is string => typeof n === 'string'),
    kinds: kinds.map(([resource]) => resource),
    namespaceLabels: kinds.some(([, key]) => !isEmptySelector(block[`${key}_namespace_selector`])),
  };
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
 * Least privilege from the scrape configs: the collector pods and `get` on their StatefulSet
 * (always, in the collector's namespace), then per `kubernetes_sd_configs` entry the resources its role reads, namespaced when
 * the entry names only the collector's own namespace, cluster-wide otherwise; nodes and namespaces
 * are cluster-scoped by nature. Prometheus CR discovery reads the kinds it selects in any
 * namespace, and Secrets (through the bound ClusterRole above) and ConfigMaps in the collector's
 * namespace unless secret_namespaces names others.
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
  const secrets = secretsScope(namespace, prometheusCr);
  if (prometheusCr !== false) addPrometheusCrRules(prometheusCr, secrets, namespaced, cluster);
  return {
    namespaced: [...namespaced.rules(), STATEFULSET_GET],
    clusterWide: cluster.rules(),
    secrets,
  };
}

/** Secrets the monitors reference are read in the collector's namespace plus secret_namespaces. */
function secretsScope(
  namespace: string,
  prometheusCr: PrometheusCrAccess,
): AllocatorPermissions['secrets'] {
  if (prometheusCr === false || prometheusCr.kinds.length === 0) return 'none';
  return prometheusCr.secretNamespaces.some((ns) => ns !== namespace) ? 'cluster' : 'namespace';
}

/** The discovery each kind's jobs run (in any namespace a monitor names), by kind. */
const CR_DISCOVERY: Record<PrometheusCrResource, readonly (readonly [string, string])[]> = {
  // The endpointslice role (slices, their services and pods); Nodes for attachMetadata.node.
  servicemonitors: [...(SD_ROLE_RESOURCES.endpointslice ?? []), ['', 'nodes']],
  podmonitors: [
    ['', 'pods'],
    ['', 'nodes'],
  ],
  // Ingress targets go through the ingress role; static targets need nothing.
  probes: SD_ROLE_RESOURCES.ingress ?? [],
  // kubernetesSDConfigs may use any role, decided per object: every role's resources.
  scrapeconfigs: Object.values(SD_ROLE_RESOURCES).flat(),
};

/**
 * Prometheus CR discovery: each selected kind, the discovery its jobs run, namespaces when a
 * namespace selector reads their labels, and Secrets and ConfigMaps (references the monitors make)
 * in the collector's namespace (a Role) unless secret_namespaces names others.
 */
function addPrometheusCrRules(
  access: Exclude<PrometheusCrAccess, false>,
  secrets: AllocatorPermissions['secrets'],
  namespaced: RuleSet,
  cluster: RuleSet,
): void {
  for (const kind of access.kinds) {
    cluster.add('monitoring.coreos.com', kind);
    for (const [group, resource] of CR_DISCOVERY[kind]) cluster.add(group, resource);
  }
  if (access.namespaceLabels) cluster.add('', 'namespaces');
  // Secrets come through the ClusterRole binding (secretsScope); ConfigMaps, which the controller
  // holds, are read where the Secrets are.
  if (secrets === 'none') return;
  (secrets === 'cluster' ? cluster : namespaced).add('', 'configmaps');
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
