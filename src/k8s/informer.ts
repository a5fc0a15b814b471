import type { Logger } from 'pino';
import { BackgroundLoop } from './background-loop.js';
import { isGone } from './api-error.js';
import { ExponentialBackoff, realDelay, type BackoffOptions, type Delay } from './backoff.js';
import type { ListWatchSource } from './list-watch.js';
import { objectKey, type KubeObject } from './object.js';
import type { WatchEvent } from './rest-client.js';

export type InformerEvent = 'add' | 'update' | 'delete';

export interface InformerHandlers<T> {
  add(obj: T): void;
  update(obj: T, old: T): void;
  delete(obj: T): void;
}

export interface InformerOptions {
  /** For logs: which resource this cache holds. */
  readonly name: string;
  readonly logger: Logger;
  readonly delay?: Delay;
  readonly backoff?: BackoffOptions;
}

const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 30_000 };

class ExpiredError extends Error {}

/**
 * A list+watch cache of one resource selection. Unlike the informers of @kubernetes/client-node
 * 1.x, which stop on any error but 410, this one never gives up: a failed list or watch is retried
 * after an exponential backoff, a 410 (expired resourceVersion) relists at once, and a relist
 * emits only the differences from the cache (adds, updates and the deletes missed meanwhile).
 */
export class Informer<T extends KubeObject> {
  private readonly cache = new Map<string, T>();
  private readonly handlers: Record<InformerEvent, ((obj: T, old: T) => void)[]> = {
    add: [],
    update: [],
    delete: [],
  };
  private readonly delay: Delay;
  private readonly backoff: ExponentialBackoff;
  private readonly loop = new BackgroundLoop((signal) => this.run(signal));
  private syncedOnce = false;
  private readonly syncWaiters: (() => void)[] = [];

  constructor(
    private readonly source: ListWatchSource<T>,
    private readonly options: InformerOptions,
  ) {
    this.delay = options.delay ?? realDelay;
    this.backoff = new ExponentialBackoff(options.backoff ?? DEFAULT_BACKOFF);
  }

  on<E extends InformerEvent>(event: E, handler: InformerHandlers<T>[E]): () => void {
    // Every handler takes (obj) or (obj, old); a one-argument handler ignores the second.
    const list = this.handlers[event];
    const stored = handler;
    list.push(stored);
    return () => {
      const i = list.indexOf(stored);
      if (i >= 0) list.splice(i, 1);
    };
  }

  /** A snapshot of the cache. */
  list(): T[] {
    return [...this.cache.values()];
  }

  get(key: string): T | undefined {
    return this.cache.get(key);
  }

  get hasSynced(): boolean {
    return this.syncedOnce;
  }

  /** Resolves once the first list has been loaded into the cache. */
  waitForSync(): Promise<void> {
    if (this.syncedOnce) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  /** Starts the list/watch loop in the background; does not wait for the first list. */
  start(): Promise<void> {
    this.loop.start();
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  private async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        const listed = await this.source.list(signal);
        if (signal.aborted) return;
        this.replace(listed.items);
        await this.watchFrom(listed.resourceVersion, signal);
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof ExpiredError || isGone(err)) {
          this.options.logger.debug({ informer: this.options.name }, 'watch expired, relisting');
          continue;
        }
        const waitMs = this.backoff.next();
        this.options.logger.warn(
          { informer: this.options.name, err, retryInMs: waitMs, attempt: this.backoff.attempts },
          'list/watch failed, retrying after backoff',
        );
        await this.delay(waitMs, signal);
      }
    }
  }

  /** Watches until an error; a watch the server closes normally is resumed from the last version. */
  private async watchFrom(resourceVersion: string, signal: AbortSignal): Promise<void> {
    let version = resourceVersion;
    while (!signal.aborted) {
      let failure: Error | undefined;
      await this.source.watch(
        version,
        (event: WatchEvent<T>) => {
          if (failure !== undefined) return;
          if (event.type === 'ERROR') {
            failure = watchError(event.object);
            return;
          }
          const rv = event.object.metadata?.resourceVersion;
          if (rv !== undefined) version = rv;
          if (event.type !== 'BOOKMARK') this.apply(event.type, event.object);
          this.backoff.reset();
        },
        signal,
      );
      if (failure !== undefined) throw failure;
    }
  }

  private replace(items: readonly T[]): void {
    const seen = new Set<string>();
    for (const item of items) {
      const key = objectKey(item);
      seen.add(key);
      const old = this.cache.get(key);
      this.cache.set(key, item);
      if (old === undefined) this.emit('add', item);
      else if (old.metadata?.resourceVersion !== item.metadata?.resourceVersion) {
        this.emit('update', item, old);
      }
    }
    for (const [key, old] of [...this.cache]) {
      if (seen.has(key)) continue;
      this.cache.delete(key);
      this.emit('delete', old);
    }
    if (!this.syncedOnce) {
      this.syncedOnce = true;
      for (const resolve of this.syncWaiters.splice(0)) resolve();
    }
  }

  private apply(type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: T): void {
    const key = objectKey(obj);
    const old = this.cache.get(key);
    if (type === 'DELETED') {
      this.cache.delete(key);
      this.emit('delete', old ?? obj);
      return;
    }
    this.cache.set(key, obj);
    if (old === undefined) this.emit('add', obj);
    else this.emit('update', obj, old);
  }

  private emit(event: InformerEvent, obj: T, old: T = obj): void {
    for (const handler of this.handlers[event]) {
      try {
        handler(obj, old);
      } catch (err) {
        this.options.logger.error(
          { informer: this.options.name, event, err },
          'informer event handler threw',
        );
      }
    }
  }
}

function watchError(status: unknown): Error {
  const s = status as { code?: number; message?: string } | undefined;
  if (s?.code === 410) return new ExpiredError(s.message ?? 'resourceVersion expired');
  return new Error(`watch error ${s?.code ?? '?'}: ${s?.message ?? JSON.stringify(status)}`);
}
