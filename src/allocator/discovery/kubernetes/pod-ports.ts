import { mergeLabels } from '../../copy-labels.js';
import type { Labels } from '../../model.js';
import type { ObjectReference, Pod } from './kube-types.js';
import { joinHostPort, namespacedKey } from './meta-labels.js';
import { POD, podLabels } from './pod-role.js';

/** The `namespace/name` of the pod an address points at, or undefined for any other target kind. */
export function podRefKey(ref: ObjectReference | undefined, namespace: string): string | undefined {
  if (ref?.kind !== 'Pod' || ref.name === undefined) return undefined;
  return namespacedKey(ref.namespace ?? namespace, ref.name);
}

/**
 * Adds the pod's labels to an endpoint target, plus the container port labels of the container
 * that declares `port` (the first match), as the endpoints roles do.
 */
export function withPodLabels(
  target: Record<string, string>,
  pod: Pod,
  port: number | undefined,
): Record<string, string> {
  const merged = mergeLabels(target, podLabels(pod));
  if (port === undefined) return merged;
  for (const c of pod.spec?.containers ?? []) {
    const match = (c.ports ?? []).find((p) => p.containerPort === port);
    if (match === undefined) continue;
    merged[POD.containerName] = c.name ?? '';
    merged[POD.containerImage] = c.image ?? '';
    merged[POD.portName] = match.name ?? '';
    merged[POD.portNumber] = String(port);
    merged[POD.portProtocol] = match.protocol ?? '';
    break;
  }
  return merged;
}

/**
 * Targets for the container ports of pods seen behind an endpoint that no endpoint port covered,
 * so every port of a selected pod can be scraped (Prometheus does the same).
 */
export function uncoveredPodPortTargets(
  seen: ReadonlyMap<string, { pod: Pod; ports: Set<number> }>,
): Labels[] {
  const targets: Labels[] = [];
  for (const { pod, ports } of seen.values()) {
    const ip = pod.status?.podIP ?? '';
    if (ip === '') continue;
    for (const c of pod.spec?.containers ?? []) {
      for (const p of c.ports ?? []) {
        const number = p.containerPort ?? 0;
        if (ports.has(number)) continue;
        const own = {
          __address__: joinHostPort(ip, number),
          [POD.containerName]: c.name ?? '',
          [POD.containerImage]: c.image ?? '',
          [POD.portName]: p.name ?? '',
          [POD.portNumber]: String(number),
          [POD.portProtocol]: p.protocol ?? '',
        };
        targets.push(mergeLabels(own, podLabels(pod)));
      }
    }
  }
  return targets;
}
