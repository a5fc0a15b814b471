import type { Labels } from '../model.js';

const NODE_LABELS = [
  '__meta_kubernetes_pod_node_name',
  '__meta_kubernetes_node_name',
  '__meta_kubernetes_endpoint_node_name',
] as const;

/** A label of `{...fallback, ...labels}` without building it; undefined when absent. */
function valueOf(labels: Labels, fallback: Labels | undefined, name: string): string | undefined {
  // typeof also rules out inherited properties: Object.prototype has no string ones.
  const own = labels[name];
  if (typeof own === 'string') return own;
  const value = fallback?.[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * The node a target runs on, for the per-node strategy, from its pre-relabel labels (`labels` over
 * `fallback`, the group's): the pod's, the node's (node role), the endpoint's node, else an
 * EndpointSlice address that targets a Node.
 */
export function targetNodeName(labels: Labels, fallback?: Labels): string | undefined {
  for (const name of NODE_LABELS) {
    const value = valueOf(labels, fallback, name);
    if (value !== undefined && value !== '') return value;
  }
  if (valueOf(labels, fallback, '__meta_kubernetes_endpointslice_address_target_kind') !== 'Node')
    return undefined;
  const name = valueOf(labels, fallback, '__meta_kubernetes_endpointslice_address_target_name');
  return name !== undefined && name !== '' ? name : undefined;
}
