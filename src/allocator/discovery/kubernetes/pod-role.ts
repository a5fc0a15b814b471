import { mergeLabels } from '../../merge-labels.js';
import type { Labels, TargetGroup } from '../../model.js';
import type { Container, ContainerStatus, Lookup, Node, Pod } from './kube-types.js';
import { META, NAMESPACE_LABEL, addObjectMetaLabels, joinHostPort } from './meta-labels.js';
import { nodeMetaLabels } from './node-meta.js';

export const POD = {
  containerName: `${META}pod_container_name`,
  containerId: `${META}pod_container_id`,
  containerImage: `${META}pod_container_image`,
  portName: `${META}pod_container_port_name`,
  portNumber: `${META}pod_container_port_number`,
  portProtocol: `${META}pod_container_port_protocol`,
  init: `${META}pod_container_init`,
} as const;

export function podSource(namespace: string, name: string): string {
  return `pod/${namespace}/${name}`;
}

/** `true`, `false` or `unknown`: the lower-cased status of the Ready condition. */
export function podReady(pod: Pod): string {
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  return ready?.status === undefined ? 'unknown' : ready.status.toLowerCase();
}

/**
 * The pod-level labels, shared with the endpoints and endpointslice roles when an address points
 * at a pod (those add the namespace themselves).
 */
export function podLabels(pod: Pod): Record<string, string> {
  const labels: Record<string, string> = {
    [`${META}pod_ip`]: pod.status?.podIP ?? '',
    [`${META}pod_ready`]: podReady(pod),
    [`${META}pod_phase`]: pod.status?.phase ?? '',
    [`${META}pod_node_name`]: pod.spec?.nodeName ?? '',
    [`${META}pod_host_ip`]: pod.status?.hostIP ?? '',
    [`${META}pod_uid`]: pod.metadata?.uid ?? '',
  };
  addObjectMetaLabels(labels, pod.metadata, 'pod');
  const controller = pod.metadata?.ownerReferences?.find((ref) => ref.controller === true);
  if (controller !== undefined) {
    labels[`${META}pod_controller_kind`] = controller.kind;
    labels[`${META}pod_controller_name`] = controller.name;
  }
  return labels;
}

function containerId(statuses: readonly ContainerStatus[] | undefined, name: string): string {
  return statuses?.find((s) => s.name === name)?.containerID ?? '';
}

/** Regular containers first, then init containers, each with its status list and init flag. */
export function podContainers(pod: Pod): { container: Container; init: boolean; id: string }[] {
  const regular = (pod.spec?.containers ?? []).map((container) => ({
    container,
    init: false,
    id: containerId(pod.status?.containerStatuses, container.name ?? ''),
  }));
  const init = (pod.spec?.initContainers ?? []).map((container) => ({
    container,
    init: true,
    id: containerId(pod.status?.initContainerStatuses, container.name ?? ''),
  }));
  return [...regular, ...init];
}

/**
 * role: pod. One target per declared container port, or one per container without ports (address
 * = the pod IP, the user adds a port by relabeling). A pod without an IP yet has no targets.
 * `nodes` (attach_metadata.node) adds the labels of the pod's node (spec.nodeName) to the group.
 */
export function buildPodGroup(pod: Pod, nodes?: Lookup<Node>): TargetGroup {
  const namespace = pod.metadata?.namespace ?? '';
  const source = podSource(namespace, pod.metadata?.name ?? '');
  const ip = pod.status?.podIP ?? '';
  if (ip === '') return { source, targets: [], labels: {} };
  const labels = mergeLabels(
    podLabels(pod),
    { [NAMESPACE_LABEL]: namespace },
    nodeMetaLabels(nodes, pod.spec?.nodeName) ?? {},
  );
  const targets: Labels[] = [];
  for (const { container, init, id } of podContainers(pod)) {
    const common = {
      [POD.containerName]: container.name ?? '',
      [POD.containerId]: id,
      [POD.containerImage]: container.image ?? '',
      [POD.init]: String(init),
    };
    const ports = container.ports ?? [];
    if (ports.length === 0) {
      targets.push({ __address__: ip, ...common });
      continue;
    }
    for (const port of ports) {
      const number = String(port.containerPort ?? 0);
      targets.push({
        __address__: joinHostPort(ip, number),
        ...common,
        [POD.portNumber]: number,
        [POD.portName]: port.name ?? '',
        [POD.portProtocol]: port.protocol ?? '',
      });
    }
  }
  return { source, targets, labels };
}
