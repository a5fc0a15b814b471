import { isNotFound } from '../k8s/api-error.js';
import type { KubeObject } from '../k8s/object.js';
import { objectPath, ResourceTypes, type ResourceType } from '../k8s/resource-path.js';
import type { KubeApi } from '../k8s/rest-client.js';
import { FIELD_MANAGER, MANAGED_BY } from './labels.js';

/** The kinds the controller writes, by `apiVersion/kind`. */
const TYPES: Record<string, ResourceType> = {
  'v1/ConfigMap': ResourceTypes.configMaps,
  'v1/Secret': ResourceTypes.secrets,
  'v1/Service': ResourceTypes.services,
  'v1/ServiceAccount': ResourceTypes.serviceAccounts,
  'apps/v1/Deployment': ResourceTypes.deployments,
  'apps/v1/StatefulSet': ResourceTypes.statefulSets,
  'apps/v1/DaemonSet': ResourceTypes.daemonSets,
  'rbac.authorization.k8s.io/v1/Role': ResourceTypes.roles,
  'rbac.authorization.k8s.io/v1/RoleBinding': ResourceTypes.roleBindings,
  'rbac.authorization.k8s.io/v1/ClusterRole': ResourceTypes.clusterRoles,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ResourceTypes.clusterRoleBindings,
  'policy/v1/PodDisruptionBudget': ResourceTypes.podDisruptionBudgets,
};

export function resourceTypeOf(apiVersion: string, kind: string): ResourceType {
  const type = TYPES[`${apiVersion}/${kind}`];
  if (type === undefined) throw new Error(`the controller does not manage ${apiVersion} ${kind}`);
  return type;
}

/** Names an object the controller may own: its kind, namespace (if any) and name. */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string | undefined;
  readonly name: string;
}

export function refOf(obj: KubeObject): ObjectRef {
  return {
    apiVersion: obj.apiVersion ?? '',
    kind: obj.kind ?? '',
    namespace: obj.metadata?.namespace,
    name: obj.metadata?.name ?? '',
  };
}

export function refKey(ref: ObjectRef): string {
  return `${ref.apiVersion}/${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
}

/**
 * Writes through server-side apply (field manager `otel-ta`, forced: the controller is the only
 * writer of what it renders) and deletes only what carries our labels, so an object a user created
 * under the same name is never removed.
 */
export class ObjectStore {
  constructor(private readonly api: KubeApi) {}

  /** Applies the object; returns the stored object (its resourceVersion tells whether it changed). */
  apply(obj: KubeObject): Promise<KubeObject> {
    const ref = refOf(obj);
    return this.api.request<KubeObject>({
      method: 'PATCH',
      path: objectPath(resourceTypeOf(ref.apiVersion, ref.kind), ref.name, ref.namespace),
      query: { fieldManager: FIELD_MANAGER, force: true },
      body: obj,
      contentType: 'application/apply-patch+yaml',
    });
  }

  async get(ref: ObjectRef): Promise<KubeObject | undefined> {
    try {
      return await this.api.request<KubeObject>({ method: 'GET', path: this.path(ref) });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /**
   * Deletes the object when it exists and its `app.kubernetes.io/instance` label is `instance`
   * and it is managed by us; the uid precondition makes sure it is the object we looked at.
   * Returns whether something was deleted.
   */
  async deleteOwned(ref: ObjectRef, instance: string): Promise<boolean> {
    const current = await this.get(ref);
    const labels = current?.metadata?.labels ?? {};
    if (
      current === undefined ||
      labels['app.kubernetes.io/managed-by'] !== MANAGED_BY ||
      labels['app.kubernetes.io/instance'] !== instance
    ) {
      return false;
    }
    try {
      await this.api.request({
        method: 'DELETE',
        path: this.path(ref),
        body: {
          apiVersion: 'v1',
          kind: 'DeleteOptions',
          propagationPolicy: 'Background',
          preconditions: { uid: current.metadata?.uid },
        },
      });
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  private path(ref: ObjectRef): string {
    return objectPath(resourceTypeOf(ref.apiVersion, ref.kind), ref.name, ref.namespace);
  }
}
