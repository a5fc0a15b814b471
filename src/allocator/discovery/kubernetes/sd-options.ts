import { isAbsolute, resolve } from 'node:path';
import { ObjectReader, configError } from '../../../config/allocator/object-reader.js';
import { parseHttpClientSettings, type HttpClientSettings } from '../http-client-config.js';
import type { ProviderContext } from '../provider.js';
import { sdConfigReader } from '../sd-config.js';

export const ROLES = ['node', 'pod', 'service', 'endpoints', 'endpointslice', 'ingress'] as const;
export type Role = (typeof ROLES)[number];

/** Which selector roles each role watches (and so accepts in `selectors`), as Prometheus allows. */
export const SELECTOR_ROLES: Readonly<Record<Role, readonly Role[]>> = {
  node: ['node'],
  pod: ['pod'],
  service: ['service'],
  endpoints: ['endpoints', 'pod', 'service'],
  endpointslice: ['endpointslice', 'pod', 'service'],
  ingress: ['ingress'],
};

/** The roles whose targets `attach_metadata.node` applies to (Prometheus documents only these). */
export const ATTACH_NODE_ROLES: readonly Role[] = ['pod', 'endpoints', 'endpointslice'];

export interface RoleSelector {
  readonly label?: string | undefined;
  readonly field?: string | undefined;
}

/** How to reach the API server for one kubernetes_sd_configs entry. */
export type KubeTarget =
  | { readonly kind: 'kubeconfig'; readonly path: string }
  | { readonly kind: 'api_server'; readonly url: string; readonly client: HttpClientSettings }
  | { readonly kind: 'default' };

export interface KubernetesSdOptions {
  readonly role: Role;
  /** Undefined: all namespaces. */
  readonly namespaces: readonly string[] | undefined;
  readonly selectors: ReadonlyMap<Role, RoleSelector>;
  readonly target: KubeTarget;
  /** `attach_metadata.node`: add the labels of each target's node (pod and endpoint roles). */
  readonly attachNode: boolean;
}

function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/**
 * Parses one `kubernetes_sd_configs` entry. `own_namespace` resolves to the allocator's namespace
 * (`ownNamespace`); without one it is a usage error.
 */
export function parseKubernetesSdOptions(
  config: unknown,
  context: ProviderContext,
  ownNamespace: string | undefined,
): KubernetesSdOptions {
  const reader = sdConfigReader(config, 'kubernetes_sd_configs', context);
  const roleText = reader.string('role');
  if (roleText === undefined || !isRole(roleText)) {
    throw configError(reader.child('role'), `must be one of ${ROLES.join(', ')}`);
  }
  const role = roleText;
  const namespaces = parseNamespaces(reader, ownNamespace);
  const kubeconfig = reader.string('kubeconfig_file');
  const apiServer = reader.string('api_server');
  const attach = new ObjectReader(reader.raw('attach_metadata'), reader.child('attach_metadata'));
  const attachNode = attach.boolean('node') ?? false;
  attach.done();
  if (attachNode && !ATTACH_NODE_ROLES.includes(role)) {
    // Prometheus accepts the key for every role but attaches node labels only for these, so a
    // relabeling on __meta_kubernetes_node_* would silently match nothing: say so at load.
    throw configError(
      attach.child('node'),
      `is valid only for roles ${ATTACH_NODE_ROLES.join(', ')}; role ${role} never gets node labels, so remove it (or use role pod, endpoints or endpointslice)`,
    );
  }
  const selectors = parseSelectors(reader, role, attachNode);
  const hasClientKeys = [
    'basic_auth',
    'authorization',
    'bearer_token',
    'bearer_token_file',
    'tls_config',
  ].some((k) => reader.has(k));
  const client = parseHttpClientSettings(reader, context.baseDir);
  reader.done();
  if (kubeconfig !== undefined && apiServer !== undefined) {
    throw configError(reader.path, 'at most one of api_server and kubeconfig_file may be set');
  }
  if (kubeconfig !== undefined && hasClientKeys) {
    throw configError(
      reader.path,
      'cannot use kubeconfig_file together with custom HTTP client settings (the kubeconfig holds them)',
    );
  }
  let target: KubeTarget = { kind: 'default' };
  if (kubeconfig !== undefined) {
    target = {
      kind: 'kubeconfig',
      path: isAbsolute(kubeconfig) ? kubeconfig : resolve(context.baseDir, kubeconfig),
    };
  } else if (apiServer !== undefined) {
    try {
      new URL(apiServer);
    } catch {
      throw configError(reader.child('api_server'), `invalid URL "${apiServer}"`);
    }
    target = { kind: 'api_server', url: apiServer, client };
  }
  return { role, namespaces, selectors, target, attachNode };
}

function parseNamespaces(
  reader: ObjectReader,
  ownNamespace: string | undefined,
): readonly string[] | undefined {
  const ns = new ObjectReader(reader.raw('namespaces'), reader.child('namespaces'));
  const names = ns.stringList('names') ?? [];
  const own = ns.boolean('own_namespace') ?? false;
  ns.done();
  if (own) {
    if (ownNamespace === undefined) {
      throw configError(
        ns.child('own_namespace'),
        'the allocator does not know its own namespace; set collector_namespace or OTELCOL_NAMESPACE',
      );
    }
    names.push(ownNamespace);
  }
  return names.length === 0 ? undefined : [...new Set(names)].sort();
}

/**
 * The pod role also takes a `node` selector when it attaches node metadata (as Prometheus allows):
 * it narrows the node watch, so pods on other nodes get no node labels.
 */
function allowedSelectorRoles(role: Role, attachNode: boolean): readonly Role[] {
  return role === 'pod' && attachNode ? ['pod', 'node'] : SELECTOR_ROLES[role];
}

function parseSelectors(
  reader: ObjectReader,
  role: Role,
  attachNode: boolean,
): ReadonlyMap<Role, RoleSelector> {
  const allowed = allowedSelectorRoles(role, attachNode);
  const raw = reader.raw('selectors');
  const result = new Map<Role, RoleSelector>();
  if (raw === undefined || raw === null) return result;
  if (!Array.isArray(raw)) {
    throw configError(reader.child('selectors'), 'must be a list of {role, label, field}');
  }
  raw.forEach((item: unknown, i) => {
    const s = new ObjectReader(item, `${reader.child('selectors')}[${i}]`);
    const r = s.string('role');
    const label = s.string('label');
    const field = s.string('field');
    s.done();
    if (r === undefined || !isRole(r) || !allowed.includes(r)) {
      throw configError(s.child('role'), `must be one of ${allowed.join(', ')} for role ${role}`);
    }
    if (result.has(r)) {
      throw configError(s.child('role'), `selector for role ${r} is given more than once`);
    }
    result.set(r, { label, field });
  });
  return result;
}
