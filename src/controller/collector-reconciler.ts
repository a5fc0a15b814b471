import type { Logger } from 'pino';
import { canonicalJson, sha256Hex } from '../collector/canonical-json.js';
import { allocatorName } from '../collector/naming.js';
import { errorMessage } from '../errors.js';
import { splitKey, type KubeObject } from '../k8s/object.js';
import { renderAllocatorConfig } from './allocator-config.js';
import {
  allocatorClusterRoleName,
  allocatorClusterSecretsBindingName,
  allocatorSecretsBindingName,
  buildAllocatorManifests,
} from './allocator-manifests.js';
import { allocatorPermissions, prometheusCrAccess } from './allocator-rbac.js';
import { buildCollectorManifests, collectorObjectName } from './collector-manifests.js';
import {
  allocatorEnabled,
  toCollectorResource,
  type CollectorResource,
} from './collector-resource.js';
import type { EventRecorder } from './event-recorder.js';
import { instanceLabel, MANAGED_BY, UPSTREAM_MANAGED_BY } from './labels.js';
import { refKey, refOf, type ObjectRef, type ObjectStore } from './object-store.js';

export interface ReconcilerOptions {
  /** Also render the collector's own workload (no upstream operator in the cluster). */
  readonly standalone: boolean;
  readonly allocatorImage: string;
  readonly collectorImage: string;
}

/**
 * Level-triggered reconciliation of one collector: render everything it should have from its
 * current stored state, apply it, and delete what it should no longer have. Nothing depends on
 * which event led here, so a missed event is repaired by the next resync.
 */
export class CollectorReconciler {
  private readonly appliedHashes = new Map<string, string>();

  constructor(
    private readonly store: ObjectStore,
    private readonly lookup: (key: string) => KubeObject | undefined,
    private readonly events: EventRecorder,
    private readonly options: ReconcilerOptions,
    private readonly logger: Logger,
  ) {}

  async reconcile(key: string): Promise<void> {
    const raw = this.lookup(key);
    const collector = raw === undefined ? undefined : toCollectorResource(raw);
    const { namespace, name } = splitKey(key);
    if (namespace === undefined) return;
    const desired: Rendered =
      collector === undefined ? { objects: [], warnings: [], hash: '' } : this.render(collector);
    try {
      const applied = await this.applyAll(desired.objects);
      const removed = await this.prune(namespace, name, desired.objects);
      if (collector === undefined) {
        this.appliedHashes.delete(key);
        this.events.forget(namespace, name);
        return;
      }
      await this.report(key, collector, desired, applied, removed);
    } catch (err) {
      // The next success is reported again, so the events show the collector recovered.
      this.appliedHashes.delete(key);
      if (collector !== undefined) {
        await this.events.record(collector, 'Warning', 'ReconcileFailed', errorMessage(err));
      }
      throw err;
    }
  }

  private render(collector: CollectorResource): Rendered {
    const objects: KubeObject[] = [];
    const warnings: string[] = [];
    if (allocatorEnabled(collector)) {
      const config = renderAllocatorConfig(collector, {
        collectorManagedBy: this.options.standalone ? MANAGED_BY : UPSTREAM_MANAGED_BY,
      });
      warnings.push(...config.warnings);
      const permissions = allocatorPermissions(
        collector.namespace,
        config.scrapeConfigs,
        prometheusCrAccess(config.document.prometheus_cr),
      );
      objects.push(
        ...buildAllocatorManifests(collector, config, permissions, {
          defaultImage: this.options.allocatorImage,
        }),
      );
    }
    if (this.options.standalone && !collector.deleting) {
      objects.push(
        ...buildCollectorManifests(collector, { defaultImage: this.options.collectorImage }),
      );
    }
    return { objects, warnings, hash: sha256Hex(canonicalJson(objects)) };
  }

  private async applyAll(objects: readonly KubeObject[]): Promise<number> {
    for (const obj of objects) await this.store.apply(obj);
    return objects.length;
  }

  /** Deletes every object this collector may own that is not desired; returns their kinds/names. */
  private async prune(
    namespace: string,
    name: string,
    desired: readonly KubeObject[],
  ): Promise<string[]> {
    const keep = new Set(desired.map((o) => refKey(refOf(o))));
    const removed: string[] = [];
    for (const ref of possibleRefs(namespace, name)) {
      if (keep.has(refKey(ref))) continue;
      if (await this.store.deleteOwned(ref, instanceLabel(namespace, name))) {
        removed.push(`${ref.kind}/${ref.name}`);
      }
    }
    if (removed.length > 0) {
      this.logger.info({ collector: `${namespace}/${name}`, removed }, 'deleted objects');
    }
    return removed;
  }

  private async report(
    key: string,
    collector: CollectorResource,
    desired: Rendered,
    applied: number,
    removed: readonly string[],
  ): Promise<void> {
    if (removed.length > 0) {
      await this.events.record(collector, 'Normal', 'Deleted', `deleted ${removed.join(', ')}`);
    }
    // Events tell what changed: a revision (objects and warnings) already reported is not
    // reported again at every resync (the recorder only skips a repeat of the very last event,
    // so two warnings would otherwise alternate and each be written again every period).
    const revision = [desired.hash, ...desired.warnings].join('\n');
    if (this.appliedHashes.get(key) === revision || applied === 0) {
      if (applied === 0) this.appliedHashes.delete(key);
      return;
    }
    this.appliedHashes.set(key, revision);
    for (const warning of desired.warnings) {
      await this.events.record(collector, 'Warning', 'AllocatorConfig', warning);
    }
    const names = desired.objects.map((o) => `${o.kind}/${o.metadata?.name}`).join(', ');
    this.logger.info({ collector: key, objects: applied }, 'applied objects');
    await this.events.record(
      collector,
      'Normal',
      'Applied',
      `applied ${names} (revision ${desired.hash.slice(0, 12)})`,
    );
  }
}

interface Rendered {
  readonly objects: KubeObject[];
  readonly warnings: string[];
  readonly hash: string;
}

/** Every object the controller could have created for a collector, whatever its spec says now. */
function possibleRefs(namespace: string, name: string): ObjectRef[] {
  const ta = allocatorName(name);
  const otc = collectorObjectName(name);
  const rbac = 'rbac.authorization.k8s.io/v1';
  const clusterName = allocatorClusterRoleName(namespace, name);
  return [
    { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', namespace, name: ta },
    { apiVersion: 'apps/v1', kind: 'Deployment', namespace, name: ta },
    { apiVersion: 'v1', kind: 'Service', namespace, name: ta },
    { apiVersion: 'v1', kind: 'ConfigMap', namespace, name: ta },
    { apiVersion: rbac, kind: 'RoleBinding', namespace, name: allocatorSecretsBindingName(name) },
    { apiVersion: rbac, kind: 'RoleBinding', namespace, name: ta },
    { apiVersion: rbac, kind: 'Role', namespace, name: ta },
    {
      apiVersion: rbac,
      kind: 'ClusterRoleBinding',
      name: allocatorClusterSecretsBindingName(namespace, name),
    },
    { apiVersion: rbac, kind: 'ClusterRoleBinding', name: clusterName },
    { apiVersion: rbac, kind: 'ClusterRole', name: clusterName },
    { apiVersion: 'v1', kind: 'ServiceAccount', namespace, name: ta },
    { apiVersion: 'apps/v1', kind: 'StatefulSet', namespace, name: otc },
    { apiVersion: 'apps/v1', kind: 'DaemonSet', namespace, name: otc },
    { apiVersion: 'apps/v1', kind: 'Deployment', namespace, name: otc },
    { apiVersion: 'v1', kind: 'Service', namespace, name: otc },
    { apiVersion: 'v1', kind: 'ConfigMap', namespace, name: otc },
    { apiVersion: 'v1', kind: 'ServiceAccount', namespace, name: otc },
  ];
}
