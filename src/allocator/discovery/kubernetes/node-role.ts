import type { TargetGroup } from '../../model.js';
import type { Node } from './kube-types.js';
import { META, addObjectMetaLabels, joinHostPort, sanitizeLabelName } from './meta-labels.js';

/** Which address becomes `__address__`, as Prometheus prefers them. */
const ADDRESS_PREFERENCE = [
  'InternalIP',
  'InternalDNS',
  'ExternalIP',
  'ExternalDNS',
  'LegacyHostIP',
  'Hostname',
] as const;

export function nodeSource(name: string): string {
  return `node/${name}`;
}

/** The first address of each type, in the node's order. */
function addressesByType(node: Node): Map<string, string> {
  const byType = new Map<string, string>();
  for (const a of node.status?.addresses ?? []) {
    if (a.type === undefined || a.address === undefined) continue;
    if (!byType.has(a.type)) byType.set(a.type, a.address);
  }
  return byType;
}

/**
 * role: node. One target per node at its kubelet port, `instance` = the node name, plus
 * `__meta_kubernetes_node_address_<type>`. A node without any usable address has no target.
 */
export function buildNodeGroup(node: Node): TargetGroup {
  const name = node.metadata?.name ?? '';
  const source = nodeSource(name);
  const byType = addressesByType(node);
  const preferred = ADDRESS_PREFERENCE.map((t) => byType.get(t)).find((a) => a !== undefined);
  if (preferred === undefined) return { source, targets: [], labels: {} };
  const labels: Record<string, string> = {
    [`${META}node_provider_id`]: node.spec?.providerID ?? '',
  };
  addObjectMetaLabels(labels, node.metadata, 'node');
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 0;
  const target: Record<string, string> = {
    __address__: joinHostPort(preferred, port),
    instance: name,
  };
  for (const [type, address] of byType) {
    target[sanitizeLabelName(`${META}node_address_${type}`)] = address;
  }
  return { source, targets: [target], labels };
}
