import type { Selection } from '../../k8s/list-watch.js';
import type { KubeObject } from '../../k8s/object.js';
import type { ResourceType } from '../../k8s/resource-path.js';
import { MemoryCollection } from '../discovery/kubernetes/memory-list-watch.js';

/**
 * Test support: an in-memory API server, one collection per resource and namespace (a
 * cluster-wide list sees only the cluster-wide collection). Label selectors are not evaluated,
 * so tests that need selection by labels run against the real API server (test/e2e).
 */
export class MemoryCluster {
  private readonly collections = new Map<string, MemoryCollection<KubeObject>>();

  collection(resource: string, namespace?: string): MemoryCollection<KubeObject> {
    const key = `${resource}/${namespace ?? '*'}`;
    let c = this.collections.get(key);
    if (c === undefined) this.collections.set(key, (c = new MemoryCollection()));
    return c;
  }

  readonly listWatch = (type: ResourceType, selection: Selection): MemoryCollection<KubeObject> =>
    this.collection(type.resource, selection.namespace);
}
