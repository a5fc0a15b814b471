import type { Labels } from '../model.js';

const NODE_LABELS = [
  '__meta_kubernetes_pod_node_name',
  '__meta_kubernetes_node_name',
  '__meta_kubernetes_endpoint_node_name',
] as const;

/**
 * The node a target runs on, for the per-node strategy, from its pre-relabel labels: the pod's,
 * the node's (node role), the endpoint's node, else an EndpointSlice address that targets a Node.
 */
export function targetNodeName(labels: Labels): string | undefined {
  for (const name of NODE_LABELS) {
    const value = labels[name];
    if (typeof value === 'string' && value !== '') return value;
  }
  if (labels.__meta_kubernetes_endpointslice_address_target_kind !== 'Node') return undefined;
  const name = labels.__meta_kubernetes_endpointslice_address_target_name;
  return typeof name === 'string' && name !== '' ? name : undefined;
}
