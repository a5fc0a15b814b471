import type { Logger } from 'pino';
import { KubeApiError } from '../../k8s/api-error.js';
import { objectPath, ResourceTypes } from '../../k8s/resource-path.js';
import type { KubeApi } from '../../k8s/rest-client.js';
import { scaledDown } from '../handoff/scale-down.js';
import type { Collector } from '../model.js';

/** Reads a StatefulSet's `spec.replicas`. */
export type StatefulSetReplicasReader = (namespace: string, name: string) => Promise<number>;

/** A departure waits this long at most for the answer; the grace (10 s by default) runs meanwhile. */
const READ_TIMEOUT_MS = 5_000;

/** The reader over the API server: one GET of the StatefulSet (RBAC: `get` on apps/statefulsets). */
export function kubeStatefulSetReplicas(api: () => KubeApi): StatefulSetReplicasReader {
  return async (namespace, name) => {
    const statefulSet = await api().request<{ spec?: { replicas?: number } } | undefined>({
      method: 'GET',
      path: objectPath(ResourceTypes.statefulSets, name, namespace),
      signal: AbortSignal.timeout(READ_TIMEOUT_MS),
    });
    // The API server defaults an absent spec.replicas to 1.
    return statefulSet?.spec?.replicas ?? 1;
  };
}

export interface DepartureCheckDeps {
  readonly readReplicas: StatefulSetReplicasReader;
  readonly logger: Logger;
}

/**
 * Answers whether a departed collector pod is gone for good: a StatefulSet's pod whose ordinal is
 * at or above the StatefulSet's replicas, read now (a scale-down). False for anything else and on
 * any failure (no permission, the StatefulSet gone, the API server slow): the departure grace
 * then applies as before, and the failure is logged once per kind with what to check, not once
 * per departure. Never rejects.
 */
export function statefulSetDepartureCheck(
  deps: DepartureCheckDeps,
): (collector: Collector) => Promise<boolean> {
  const reported = new Set<string>();
  const warnOnce = (kind: string, fields: Record<string, unknown>, hint: string): void => {
    if (reported.has(kind)) return;
    reported.add(kind);
    deps.logger.warn(
      fields,
      `${hint}; until then a scaled-down collector pod's targets wait collector_departure_grace_period before they move (logged once)`,
    );
  };
  return async (collector) => {
    const owner = collector.statefulSet;
    if (owner === undefined) return false;
    const fields = { collector: collector.id, statefulSet: `${owner.namespace}/${owner.name}` };
    let replicas: number;
    try {
      replicas = await deps.readReplicas(owner.namespace, owner.name);
    } catch (err) {
      const status = err instanceof KubeApiError ? err.statusCode : undefined;
      const message = err instanceof Error ? err.message : String(err);
      if (status === 403) {
        warnOnce(
          '403',
          { ...fields, err: message },
          `the allocator may not get StatefulSets in namespace ${owner.namespace}: grant its ServiceAccount "get" on apps/statefulsets there (the controller's Role for the allocator does)`,
        );
      } else if (status === 404) {
        warnOnce(
          '404',
          { ...fields, err: message },
          `StatefulSet ${owner.namespace}/${owner.name}, the owner of collector pod ${collector.id}, was not found: check that the collector pods' ownerReferences name an existing StatefulSet`,
        );
      } else {
        warnOnce(
          'unreachable',
          { ...fields, err: message },
          `could not read StatefulSet ${owner.namespace}/${owner.name}: check the API server's reachability and load from the allocator`,
        );
      }
      return false;
    }
    const final = scaledDown(collector.id, owner.name, replicas);
    if (final === undefined) {
      warnOnce(
        'name',
        fields,
        `collector pod ${collector.id} is not named ${owner.name}-<ordinal> as its StatefulSet's pods are, so a scale-down cannot be told from a restart`,
      );
    }
    return final === true;
  };
}
