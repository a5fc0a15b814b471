import type { Labels } from '../../model.js';
import { mergeLabels } from '../../merge-labels.js';
import type { ObjectReference, Pod } from './kube-types.js';
import { joinHostPort, namespacedKey } from './meta-labels.js';
import { POD, podLabels } from './pod-role.js';

/** The `namespace/name` key of the pod an endpoint points at; undefined when it is not a pod. */
export function podRefKey(ref: ObjectReference | undefined, namespace: string): string | undefined {
  if (ref?.kind !== 'Pod' || ref.name === undefined) return undefined;
  return namespacedKey(ref.namespace ?? namespace, ref.name);
}

/** The container port labels of the first container that declares `port`; empty when none does. */
function containerPortLabels(pod: Pod, port: number | undefined): Labels {
  if (port === undefined) return {};
  for (const c of pod.spec?.containers ?? []) {
    const match = (c.ports ?? []).find((p) => p.containerPort === port);
    if (match === undefined) continue;
    return {
      [POD.containerName]: c.name ?? '',
      [POD.containerImage]: c.image ?? '',
      [POD.portName]: match.name ?? '',
      [POD.portNumber]: String(port),
      [POD.portProtocol]: match.protocol ?? '',
    };
  }
  return {};
}

/**
 * The pods behind one Endpoints or EndpointSlice object, as both endpoint roles use them: an
 * endpoint target that points at a known pod gets the pod's labels (and its container port's),
 * and `uncovered()` then yields a target for every container port of those pods that no endpoint
 * port covered, so every port of a selected pod can be scraped (Prometheus does the same).
 */
export class EndpointPods {
  private readonly seen = new Map<string, { pod: Pod; ports: Set<number> }>();

  constructor(
    private readonly pods: (key: string) => Pod | undefined,
    private readonly namespace: string,
  ) {}

  /** `target` with its pod's labels when `ref` names a known pod, else `target` itself. */
  target(target: Labels, ref: ObjectReference | undefined, port: number | undefined): Labels {
    const key = podRefKey(ref, this.namespace);
    const pod = key === undefined ? undefined : this.pods(key);
    if (key === undefined || pod === undefined) return target;
    const entry = this.seen.get(key) ?? { pod, ports: new Set<number>() };
    this.seen.set(key, entry);
    if (port !== undefined) entry.ports.add(port);
    return mergeLabels(target, podLabels(pod), containerPortLabels(pod, port));
  }

  uncovered(): Labels[] {
    const targets: Labels[] = [];
    for (const { pod, ports } of this.seen.values()) {
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
}
