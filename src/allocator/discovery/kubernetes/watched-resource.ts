import type { Logger } from 'pino';
import { Informer } from '../../../k8s/informer.js';
import type { ListWatchSource, Selection } from '../../../k8s/list-watch.js';
import { objectKey, type KubeObject } from '../../../k8s/object.js';
import type { ResourceType } from '../../../k8s/resource-path.js';

export type ListWatchFactory = (
  type: ResourceType,
  selection: Selection,
) => ListWatchSource<KubeObject>;

/**
 * One resource type watched in a set of namespaces (one informer each) or cluster-wide, seen as
 * one cache keyed `namespace/name`.
 */
export class WatchedResource {
  private readonly informers: Informer<KubeObject>[];

  constructor(
    type: ResourceType,
    namespaces: readonly string[] | undefined,
    selector: { readonly label?: string | undefined; readonly field?: string | undefined },
    listWatch: ListWatchFactory,
    logger: Logger,
  ) {
    const scopes = type.namespaced && namespaces !== undefined ? namespaces : [undefined];
    this.informers = scopes.map(
      (namespace) =>
        new Informer(
          listWatch(type, {
            namespace,
            labelSelector: selector.label,
            fieldSelector: selector.field,
          }),
          { name: `${type.resource}${namespace === undefined ? '' : `/${namespace}`}`, logger },
        ),
    );
  }

  /** Calls `onChange(key)` for every add, update or delete. */
  onChange(onChange: (key: string, obj: KubeObject, old: KubeObject | undefined) => void): void {
    for (const informer of this.informers) {
      informer.on('add', (obj) => onChange(objectKey(obj), obj, undefined));
      informer.on('update', (obj, old) => onChange(objectKey(obj), obj, old));
      informer.on('delete', (obj) => onChange(objectKey(obj), obj, obj));
    }
  }

  get(key: string): KubeObject | undefined {
    for (const informer of this.informers) {
      const obj = informer.get(key);
      if (obj !== undefined) return obj;
    }
    return undefined;
  }

  list(): KubeObject[] {
    return this.informers.flatMap((i) => i.list());
  }

  async start(): Promise<void> {
    await Promise.all(this.informers.map((i) => i.start()));
  }

  async waitForSync(): Promise<void> {
    await Promise.all(this.informers.map((i) => i.waitForSync()));
  }

  async stop(): Promise<void> {
    await Promise.all(this.informers.map((i) => i.stop()));
  }
}
