import type { Labels } from '../../model.js';
import type { Lookup, Node } from './kube-types.js';
import { addObjectMetaLabels } from './meta-labels.js';

/**
 * `attach_metadata.node`: the labels a target gets from the node it runs on, as Prometheus adds
 * them: `__meta_kubernetes_node_name`, `_node_label_<k>`, `_node_labelpresent_<k>`,
 * `_node_annotation_<k>` and `_node_annotationpresent_<k>` (the node object's metadata, named as
 * the node role names it). Nothing when the target names no node or the node is not (yet) known;
 * the node's arrival or change re-builds the group (see KubernetesSdProvider).
 */
export function nodeMetaLabels(
  nodes: Lookup<Node> | undefined,
  nodeName: string | undefined,
): Labels | undefined {
  if (nodes === undefined || nodeName === undefined || nodeName === '') return undefined;
  const node = nodes(nodeName);
  if (node === undefined) return undefined;
  const labels: Record<string, string> = {};
  addObjectMetaLabels(labels, node.metadata, 'node');
  return labels;
}
