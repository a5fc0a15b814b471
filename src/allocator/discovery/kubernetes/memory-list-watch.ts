import type { ListResult, ListWatchSource } from '../../../k8s/list-watch.js';
import { objectKey, type KubeObject } from '../../../k8s/object.js';
import type { WatchEvent } from '../../../k8s/rest-client.js';

/**
 * An in-memory stand-in for one API server collection, for unit tests (the e2e tests use a real
 * API server): `put` and `remove` change the objects and feed open watches, as the server would.
 */
export class MemoryCollection<T extends KubeObject> implements ListWatchSource<T> {
  private readonly objects = new Map<string, T>();
  private version = 0;
  private readonly watchers = new Set<(event: WatchEvent<T>) => void>();

  put(obj: T): void {
    const key = objectKey(obj);
    const type = this.objects.has(key) ? 'MODIFIED' : 'ADDED';
    const stored = {
      ...obj,
      metadata: { ...obj.metadata, resourceVersion: String(++this.version) },
    } as T;
    this.objects.set(key, stored);
    for (const w of this.watchers) w({ type, object: stored });
  }

  remove(key: string): void {
    const obj = this.objects.get(key);
    if (obj === undefined) return;
    this.objects.delete(key);
    ++this.version;
    for (const w of this.watchers) w({ type: 'DELETED', object: obj });
  }

  list(): Promise<ListResult<T>> {
    return Promise.resolve({
      items: [...this.objects.values()],
      resourceVersion: String(this.version),
    });
  }

  watch(_rv: string, onEvent: (event: WatchEvent<T>) => void, signal: AbortSignal): Promise<void> {
    this.watchers.add(onEvent);
    return new Promise((resolve) => {
      signal.addEventListener('abort', () => {
        this.watchers.delete(onEvent);
        resolve();
      });
    });
  }
}

/**
 * `collection` behind a gate: its first list answers only once `open` is called (or the list is
 * aborted), as an API server that has not answered yet; watches go straight to the collection.
 */
export function gatedList<T extends KubeObject>(
  collection: MemoryCollection<T>,
): { readonly source: ListWatchSource<T>; readonly open: () => void } {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const source: ListWatchSource<T> = {
    list: async (signal) => {
      await Promise.race([
        gate,
        new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve())),
      ]);
      return collection.list();
    },
    watch: (rv, onEvent, signal) => collection.watch(rv, onEvent, signal),
  };
  return { source, open };
}
